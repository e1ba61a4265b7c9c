//! Attachments beside a visit's document (issue 14, in progress): photos of a wound, a device or
//! its settings screen, and the guardian's drawn signature. Their bytes live beside the
//! document, not in it (a drawn signature took a visit from 2.7 KB to 3.2 KB); the visit keeps a
//! small reference to each, with the digest that ties the bytes to it.
//!
//! This module is the rule for what an attachment may be, checked the same on the device before
//! it is kept and on the server before it is stored: an image by its own bytes (JPEG, PNG or
//! WebP, whatever the sender says), within a size, with the digest and length its reference
//! claims. It is not yet part of the visit's document: the store, the sync and the screens come
//! next (see the stop note of 2026-12-04).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::calendar::DateTime;
use crate::validation::{labelled_enum, Problems};

labelled_enum! {
    /// What an attachment shows.
    pub enum AttachmentKind {
        /// A photo (a wound, a device, its settings screen).
        Photo = ("photo", "写真", "photo"),
        /// The guardian's drawn signature (a PNG the form draws).
        Signature = ("signature", "署名", "signature"),
    }
}

labelled_enum! {
    /// The image formats taken, named by their media type.
    pub enum MediaType {
        /// JPEG (cameras).
        Jpeg = ("image/jpeg", "JPEG画像", "JPEG image"),
        /// PNG (screenshots, the drawn signature).
        Png = ("image/png", "PNG画像", "PNG image"),
        /// WebP (some tablets' cameras).
        Webp = ("image/webp", "WebP画像", "WebP image"),
    }
}

/// The largest photo taken, in bytes (a tablet's camera at a reasonable quality).
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;
/// The largest drawn signature taken, in bytes.
pub const MAX_SIGNATURE_BYTES: usize = 64 * 1024;
/// The most photos one visit may carry.
pub const MAX_PHOTOS_PER_VISIT: usize = 20;
/// The longest caption, in characters.
pub const MAX_CAPTION_CHARS: usize = 200;

/// A visit's reference to one attachment: what the visit's document will keep of it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    /// Its id (a UUID), the name of its bytes on the device and the server.
    pub id: String,
    /// Photo or signature.
    pub kind: AttachmentKind,
    /// Its format, as its bytes show it.
    pub media_type: MediaType,
    /// Its length in bytes.
    pub bytes: u32,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
    /// What it shows (写真の説明); may be empty.
    pub caption: String,
    /// When it was taken or drawn (JST).
    pub added_at: DateTime,
}

/// The format `bytes` are, by their first bytes (their magic number), or `None`.
pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some(MediaType::Jpeg),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(MediaType::Png),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(MediaType::Webp),
        _ => None,
    }
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl AttachmentRef {
    /// The reference for `bytes` of `kind`, taken now: its format read from the bytes (`None`
    /// when they are no image taken, as [`AttachmentRef::check`] would say).
    pub fn of(id: String, kind: AttachmentKind, bytes: &[u8], caption: String, added_at: DateTime) -> Option<AttachmentRef> {
        Some(AttachmentRef {
            id,
            kind,
            media_type: sniff(bytes)?,
            bytes: u32::try_from(bytes.len()).ok()?,
            sha256: sha256_hex(bytes),
            caption,
            added_at,
        })
    }

    /// Problems with this reference and the `bytes` it stands for: an image taken (by its own
    /// bytes, the one its reference names), within its kind's size, with the length and digest
    /// the reference claims, and a caption of one short line. Each problem names its field.
    pub fn check(&self, bytes: &[u8]) -> Problems {
        let mut p = Problems::new();
        if uuid::Uuid::parse_str(&self.id).is_err() {
            p.push(
                "id",
                "not_uuid",
                format!("添付のID {:?} がUUIDではありません", self.id),
                format!("the attachment id {:?} is not a UUID", self.id),
            );
        }
        let max = match self.kind {
            AttachmentKind::Photo => MAX_PHOTO_BYTES,
            AttachmentKind::Signature => MAX_SIGNATURE_BYTES,
        };
        if bytes.len() > max {
            p.push(
                "bytes",
                "too_large",
                format!("{}は{}KBまでです（{}KB）", self.kind.label().ja, max / 1024, bytes.len().div_ceil(1024)),
                format!("a {} may be at most {} KB ({} KB given)", self.kind.label().en, max / 1024, bytes.len().div_ceil(1024)),
            );
        }
        match sniff(bytes) {
            None => {
                p.push("media_type", "not_an_image", "JPEG・PNG・WebPの画像ではありません", "the file is not a JPEG, PNG or WebP image")
            }
            Some(found) if found != self.media_type => p.push(
                "media_type",
                "mismatch",
                format!("{}と書かれていますが、中身は{}です", self.media_type.label().ja, found.label().ja),
                format!("it says {} but the bytes are a {}", self.media_type.label().en, found.label().en),
            ),
            Some(_) => {}
        }
        if self.kind == AttachmentKind::Signature && self.media_type != MediaType::Png {
            p.push("media_type", "signature_png", "署名はPNG画像です", "a drawn signature is a PNG image");
        }
        if usize::try_from(self.bytes).ok() != Some(bytes.len()) {
            p.push(
                "bytes",
                "length_mismatch",
                format!("長さが{}バイトと書かれていますが、{}バイトです", self.bytes, bytes.len()),
                format!("it says {} bytes but {} were given", self.bytes, bytes.len()),
            );
        }
        if self.sha256 != sha256_hex(bytes) {
            p.push("sha256", "mismatch", "内容が参照と一致しません（SHA-256）", "the bytes do not match the reference's SHA-256");
        }
        let chars = self.caption.chars().count();
        if chars > MAX_CAPTION_CHARS {
            p.push(
                "caption",
                "too_long",
                format!("説明は{MAX_CAPTION_CHARS}文字までです（{chars}文字）"),
                format!("a caption takes at most {MAX_CAPTION_CHARS} characters ({chars} given)"),
            );
        }
        if self.caption.chars().any(char::is_control) {
            p.push("caption", "control", "説明は1行で、制御文字を含められません", "a caption is one line without control characters");
        }
        p
    }
}

/// Problems with a visit's list of references: ids unique, at most [`MAX_PHOTOS_PER_VISIT`]
/// photos and one signature. Each problem names the reference (`attachments[2].id`).
pub fn check_refs(refs: &[AttachmentRef]) -> Problems {
    let mut p = Problems::new();
    for (i, r) in refs.iter().enumerate() {
        if refs[..i].iter().any(|o| o.id == r.id) {
            p.push(
                format!("attachments[{i}].id"),
                "duplicate",
                format!("添付のID {} が重複しています", r.id),
                format!("the attachment id {} appears twice", r.id),
            );
        }
    }
    let photos = refs.iter().filter(|r| r.kind == AttachmentKind::Photo).count();
    if photos > MAX_PHOTOS_PER_VISIT {
        p.push(
            "attachments",
            "too_many_photos",
            format!("写真は1回の訪問に{MAX_PHOTOS_PER_VISIT}枚までです（{photos}枚）"),
            format!("a visit carries at most {MAX_PHOTOS_PER_VISIT} photos ({photos} given)"),
        );
    }
    if refs.iter().filter(|r| r.kind == AttachmentKind::Signature).count() > 1 {
        p.push("attachments", "two_signatures", "署名は1回の訪問に1つです", "a visit carries one drawn signature at most");
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'];
    const WEBP: &[u8] = b"RIFF\x24\0\0\0WEBPVP8 ";

    fn at() -> DateTime {
        "2026-12-04T10:30".parse().unwrap()
    }

    fn photo(bytes: &[u8]) -> AttachmentRef {
        AttachmentRef::of("0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e10".into(), AttachmentKind::Photo, bytes, "右下腹部の発赤".into(), at())
            .unwrap()
    }

    fn codes(p: &Problems) -> Vec<(String, String)> {
        p.0.iter().map(|x| (x.field.clone(), x.code.clone())).collect()
    }

    #[test]
    fn images_are_known_by_their_own_bytes() {
        assert_eq!(sniff(PNG), Some(MediaType::Png));
        assert_eq!(sniff(JPEG), Some(MediaType::Jpeg));
        assert_eq!(sniff(WEBP), Some(MediaType::Webp));
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None, "a RIFF that is not WebP");
        assert_eq!(sniff(&PNG[..7]), None, "a truncated header");
        assert_eq!(sniff(&[]), None);
    }

    #[test]
    fn a_reference_made_from_its_bytes_checks_clean() {
        for bytes in [PNG, JPEG, WEBP] {
            let r = photo(bytes);
            assert_eq!(r.bytes as usize, bytes.len());
            assert!(r.check(bytes).is_empty(), "{:?}", codes(&r.check(bytes)));
        }
        // SHA-256 of the empty string, a known value.
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert!(AttachmentRef::of("x".into(), AttachmentKind::Photo, b"GIF89a", String::new(), at()).is_none());
    }

    #[test]
    fn bytes_other_than_the_reference_says_are_refused_naming_the_field() {
        let r = photo(PNG);
        let mut other = PNG.to_vec();
        other[15] ^= 1;
        assert_eq!(codes(&r.check(&other)), vec![("sha256".to_string(), "mismatch".to_string())]);
        let mut longer = PNG.to_vec();
        longer.push(0);
        assert_eq!(codes(&r.check(&longer)), vec![("bytes".into(), "length_mismatch".into()), ("sha256".into(), "mismatch".into())]);
        // Said to be a PNG, but a JPEG: the bytes decide.
        let jpeg_as_png = AttachmentRef { media_type: MediaType::Png, ..photo(JPEG) };
        assert_eq!(codes(&jpeg_as_png.check(JPEG)), vec![("media_type".to_string(), "mismatch".to_string())]);
        // Not an image at all (an SVG could carry a script).
        let svg = b"<svg onload=\"alert(1)\"/>";
        let r = AttachmentRef { bytes: svg.len() as u32, sha256: sha256_hex(svg), ..photo(PNG) };
        assert_eq!(codes(&r.check(svg)), vec![("media_type".to_string(), "not_an_image".to_string())]);
    }

    #[test]
    fn sizes_ids_captions_and_signatures_are_bounded() {
        let mut big = PNG.to_vec();
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        let r = photo(&big);
        assert_eq!(codes(&r.check(&big)), vec![("bytes".to_string(), "too_large".to_string())]);
        assert!(r.check(&big).0[0].ja.contains("2048KBまで"));
        let mut at_limit = PNG.to_vec();
        at_limit.resize(MAX_PHOTO_BYTES, 0);
        assert!(photo(&at_limit).check(&at_limit).is_empty());

        let mut sig = PNG.to_vec();
        sig.resize(MAX_SIGNATURE_BYTES + 1, 0);
        let s = AttachmentRef { kind: AttachmentKind::Signature, ..photo(&sig) };
        assert_eq!(codes(&s.check(&sig)), vec![("bytes".to_string(), "too_large".to_string())]);
        let jpeg_signature = AttachmentRef { kind: AttachmentKind::Signature, ..photo(JPEG) };
        assert_eq!(codes(&jpeg_signature.check(JPEG)), vec![("media_type".to_string(), "signature_png".to_string())]);

        let bad = AttachmentRef { id: "photo-1".into(), caption: format!("{}\n", "あ".repeat(MAX_CAPTION_CHARS)), ..photo(PNG) };
        assert_eq!(
            codes(&bad.check(PNG)),
            vec![("id".into(), "not_uuid".into()), ("caption".into(), "too_long".into()), ("caption".into(), "control".into())]
        );
    }

    #[test]
    fn a_visit_carries_unique_ids_twenty_photos_and_one_signature_at_most() {
        let refs: Vec<AttachmentRef> =
            (0..=MAX_PHOTOS_PER_VISIT).map(|i| AttachmentRef { id: uuid::Uuid::from_u128(i as u128).to_string(), ..photo(PNG) }).collect();
        assert_eq!(codes(&check_refs(&refs[..MAX_PHOTOS_PER_VISIT])), vec![]);
        assert_eq!(codes(&check_refs(&refs)), vec![("attachments".to_string(), "too_many_photos".to_string())]);
        let twice = vec![photo(PNG), photo(JPEG)];
        assert_eq!(codes(&check_refs(&twice)), vec![("attachments[1].id".to_string(), "duplicate".to_string())]);
        let sig = |n: u128| AttachmentRef { id: uuid::Uuid::from_u128(n).to_string(), kind: AttachmentKind::Signature, ..photo(PNG) };
        assert_eq!(codes(&check_refs(&[sig(1), sig(2)])), vec![("attachments".to_string(), "two_signatures".to_string())]);
    }
}
