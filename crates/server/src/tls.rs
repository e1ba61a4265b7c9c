//! HTTPS: the certificate and key the server serves with, read from PEM files and read again on
//! demand (SIGHUP in `run_with`, [`crate::ServerHandle::reload_tls`] in tests). A reload that
//! fails keeps the certificate in use and says why; new connections get a reloaded certificate,
//! open ones go on with theirs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use carebook_domain::Message;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::model::{Error, Result};

/// The certificate in use and where it came from.
#[derive(Debug)]
pub(crate) struct Certs {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

fn unusable(what: &str, path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Unusable(Message::new(
        format!("TLS の{what} {} を使えません：{why}", path.display()),
        format!("cannot use the TLS {what} {}: {why}", path.display()),
    ))
}

fn load(cert: &Path, key: &Path) -> Result<CertifiedKey> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| unusable("証明書 certificate", cert, e))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| unusable("証明書 certificate", cert, e))?;
    if chain.is_empty() {
        return Err(unusable("証明書 certificate", cert, "no CERTIFICATE in the file"));
    }
    let der = PrivateKeyDer::from_pem_file(key).map_err(|e| unusable("秘密鍵 key", key, e))?;
    let provider = rustls::crypto::ring::default_provider();
    let signing = provider.key_provider.load_private_key(der).map_err(|e| unusable("秘密鍵 key", key, e))?;
    let certified = CertifiedKey::new(chain, signing);
    // The key must be the certificate's.
    certified.keys_match().map_err(|e| unusable("秘密鍵 key", key, e))?;
    Ok(certified)
}

impl Certs {
    /// Reads `cert` (the chain, leaf first) and `key`; refuses files that are not PEM, a key
    /// that is not the certificate's.
    pub(crate) fn open(cert: &Path, key: &Path) -> Result<Arc<Certs>> {
        let current = load(cert, key)?;
        Ok(Arc::new(Certs { cert: cert.into(), key: key.into(), current: RwLock::new(Arc::new(current)) }))
    }

    /// Reads the files again; on an error the certificate in use stays.
    pub(crate) fn reload(&self) -> Result<()> {
        let fresh = load(&self.cert, &self.key)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(fresh);
        tracing::info!("TLS certificate reloaded");
        Ok(())
    }

    /// A rustls server configuration that asks this store for the certificate of each new
    /// connection (HTTP/1.1 only, as the server speaks).
    pub(crate) fn server_config(self: &Arc<Self>) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default TLS versions")
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(|p| p.into_inner()).clone())
    }
}
