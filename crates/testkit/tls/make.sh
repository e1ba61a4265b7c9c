#!/bin/sh
# Makes the test-only certificates (not secret: they protect nothing but the tests' loopback
# connections): a fictional organisation CA, a server certificate it signs for localhost and
# 127.0.0.1, and a second CA nobody trusts. Valid for 100 years; run again to renew.
set -eu
cd "$(dirname "$0")"
days=36500
for ca in ca other-ca; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days $days \
    -subj "/O=Kakuu Test Org (fictional)/CN=Carebook test $ca" -keyout $ca.key -out $ca.pem 2>/dev/null
done
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $days -extfile server.ext -out server.pem 2>/dev/null
# The same name signed by the CA nobody trusts.
openssl x509 -req -in server.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial -days $days -extfile server.ext -out other-server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl other-ca.srl ca.key other-ca.key
