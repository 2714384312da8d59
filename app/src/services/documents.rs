//! The printable documents' links: the verification page their QR code opens, and the
//! per-document font subset the browser fetches to render them.

/// Implemented by the server, which holds the signing key and the font.
#[cfg(feature = "ssr")]
pub trait DocumentService: Send + Sync {
    /// The address the QR code on every printed page encodes: the application's
    /// verification page, with a check code so numbers cannot be guessed.
    fn verify_url(&self, number: &str) -> String;

    /// Whether `code` is the check code of `number` (compared in constant time).
    fn verify(&self, number: &str, code: &str) -> bool;

    /// A cacheable site path to a font holding exactly `characters`.
    fn font_path(&self, characters: &str) -> String;
}
