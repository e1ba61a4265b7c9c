// The second factor's commands: a fictional secret, a tiny SVG standing in for the QR code, and
// recovery codes written by hand (見本). The one code the fake accepts is "135790".
import type { Handlers } from "./backend";
import { fail } from "./backend";

export const FAKE_SECRET = "MIHONMIHONMIHONMIHONMIHONMIHON22";
export const FAKE_CODE = "135790";
export const FAKE_RECOVERY = ["mihn-abcd-efgh-jk23", "mihn-mnpq-rstu-vw45", "mihn-xyza-bcde-fg67"];
const FAKE_SVG = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#fff"/><rect x="8" y="8" width="24" height="24" fill="#000"/></svg>';

type State = { started: boolean; enrolled: boolean; left: number };
function state(b: { s: { data: Record<string, unknown> } }): State {
  if (!b.s.data.secondFactor) b.s.data.secondFactor = { started: false, enrolled: false, left: 0 };
  return b.s.data.secondFactor as State;
}

export const secondFactorCommands: Handlers = {
  second_factor_status: (b) => {
    const st = state(b);
    return { enrolled: st.enrolled, pending: st.started && !st.enrolled, required: ["office", "municipality", "admin"].includes(b.s.user?.role ?? ""), recovery_codes_left: st.left };
  },
  start_second_factor: (b) => {
    state(b).started = true;
    return { secret: FAKE_SECRET, uri: `otpauth://totp/Carebook%3A${b.s.user?.username}?secret=${FAKE_SECRET}&issuer=Carebook`, qr_svg: FAKE_SVG };
  },
  confirm_second_factor: (b, a) => {
    const st = state(b);
    if (!st.started) fail("bad_request", "登録中の二要素認証がありません。最初からやり直してください", "no second-factor enrolment is waiting; start again");
    if (a.code.trim() !== FAKE_CODE)
      fail("invalid", "入力に問題があります", "the input was refused", [
        { field: "code", code: "second_factor_wrong", ja: "確認コードが違います。認証アプリに表示されている今のコードを入力してください", en: "the code is wrong: enter the code the authenticator app shows now" },
      ]);
    st.enrolled = true;
    st.left = FAKE_RECOVERY.length;
    b.s.enrolRequired = false;
    return { codes: FAKE_RECOVERY };
  },
  remove_second_factor: (b, a) => {
    const st = state(b);
    const account = b.s.accounts.find((x) => x.user.username === b.s.user?.username);
    if (a.password !== account?.password) fail("invalid", "入力に問題があります", "the input was refused", [{ field: "password", code: "wrong_password", ja: "パスワードが違います", en: "the password is wrong" }]);
    st.enrolled = false;
    st.left = 0;
    return { enrolled: false, pending: false, required: false, recovery_codes_left: 0 };
  },
};
