//! What a start must have. The stand-in providers are safe only as a demonstration: the SMS
//! outbox shows every login code, the sandbox cashier marks any order paid, the local verifier
//! passes every face. So they run only with `SANDBOX=on`, and the sandbox never runs on a
//! public `https://` address. Outside the sandbox the server also wants what a public site
//! needs: its own address over HTTPS, the image captcha, and a master secret kept apart from
//! the data it encrypts.

use std::path::{Path, PathBuf};

use crate::config::{
    BankProviderKind, CaptchaMode, Config, IdentityProviderKind, IssuerKind, PaymentProviderKind,
    SmsProviderKind,
};

/// Why `config` must not be served, one sentence each; empty when it may.
pub fn refusals(config: &Config) -> Vec<String> {
    if config.is_sandbox() {
        return sandbox_refusals(config);
    }
    let mut refusals = Vec::new();
    let stand_ins = [
        (
            config.sms_provider == SmsProviderKind::Local,
            "SMS_PROVIDER=local sends no text message and shows every login code at /dev/outbox",
        ),
        (
            config.payment_provider == PaymentProviderKind::Local,
            "PAYMENT_PROVIDER=local is a sandbox cashier where anyone holding the QR code marks an order paid",
        ),
        (
            config.bank_provider == BankProviderKind::Local,
            "BANK_PROVIDER=local sends no transfer and shows its memo at /dev/outbox",
        ),
        (
            config.identity_provider == IdentityProviderKind::Local,
            "IDENTITY_PROVIDER=local reads no ID card and passes every face comparison",
        ),
        (
            config.issuer == IssuerKind::Local,
            "ISSUER=local makes up serials and validity instead of asking the CA's issuing system",
        ),
    ];
    for (_, what) in stand_ins.iter().filter(|(local, _)| *local) {
        refusals.push(format!(
            "{what}: configure a real provider, or set SANDBOX=on for a demonstration"
        ));
    }
    if config.captcha == CaptchaMode::Off {
        refusals.push(
            "CAPTCHA=off lets scripts request SMS codes unhindered: it is for automated tests \
             under SANDBOX=on only"
                .to_owned(),
        );
    }
    if !config.is_https() {
        refusals.push(format!(
            "PUBLIC_URL={} is not https://: session cookies would travel in clear text",
            config.public_url
        ));
    }
    match (&config.secret_key, &config.secret_key_file) {
        (Some(_), _) => {}
        (None, Some(file)) if inside(file, &config.data_dir) => refusals.push(format!(
            "SECRET_KEY_FILE={} lies inside DATA_DIR: a backup of the data would carry the key \
             that decrypts it; keep the key elsewhere",
            file.display()
        )),
        (None, Some(_)) => {}
        (None, None) => refusals.push(
            "neither SECRET_KEY nor SECRET_KEY_FILE is set: a generated key would be kept in \
             DATA_DIR, so a backup of the data would carry the key that decrypts it"
                .to_owned(),
        ),
    }
    refusals
}

fn sandbox_refusals(config: &Config) -> Vec<String> {
    if config.is_https() {
        vec![format!(
            "SANDBOX=on with PUBLIC_URL={}: the sandbox shows login codes to anyone and marks \
             orders paid for free, so it never runs on a public https:// address",
            config.public_url
        )]
    } else {
        Vec::new()
    }
}

/// Whether `file` is `dir` or lies under it: by its words once `..` is resolved, or through
/// symbolic links where both exist.
fn inside(file: &Path, dir: &Path) -> bool {
    let lexical = normalized(file).starts_with(normalized(dir));
    let real = match (file.canonicalize(), dir.canonicalize()) {
        (Ok(file), Ok(dir)) => file.starts_with(dir),
        _ => false,
    };
    lexical || real
}

/// The absolute form of `path` with `.` and `..` taken out, without touching the disk.
fn normalized(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{SandboxMode, SecretKey};

    fn production(data_dir: &Path) -> Config {
        Config {
            sandbox: SandboxMode::Off,
            public_url: "https://ca.example.cn".to_owned(),
            secret_key: Some(SecretKey::from_bytes(vec![7; 32]).unwrap()),
            ..Config::with_defaults(data_dir)
        }
    }

    fn names(refusals: &[String]) -> Vec<&str> {
        refusals
            .iter()
            .map(|r| r.split(['=', ' ']).next().unwrap())
            .collect()
    }

    #[test]
    fn every_stand_in_is_refused_outside_the_sandbox() {
        let dir = tempfile::tempdir().unwrap();
        let refusals = refusals(&production(dir.path()));
        assert_eq!(
            names(&refusals),
            [
                "SMS_PROVIDER",
                "PAYMENT_PROVIDER",
                "BANK_PROVIDER",
                "IDENTITY_PROVIDER",
                "ISSUER"
            ],
            "{refusals:#?}"
        );
        assert!(refusals.iter().all(|r| r.contains("SANDBOX=on")));
    }

    #[test]
    fn an_unconfigured_server_names_every_missing_setting() {
        let refusals = refusals(&Config {
            captcha: CaptchaMode::Off,
            ..Config::with_defaults("data")
        });
        let names = names(&refusals);
        for wanted in ["CAPTCHA", "PUBLIC_URL", "neither"] {
            assert!(names.contains(&wanted), "{wanted} in {refusals:#?}");
        }
    }

    #[test]
    fn the_sandbox_runs_locally_but_never_on_https() {
        let dir = tempfile::tempdir().unwrap();
        let local = Config {
            sandbox: SandboxMode::On,
            captcha: CaptchaMode::Off,
            ..Config::with_defaults(dir.path())
        };
        assert_eq!(refusals(&local), Vec::<String>::new());
        let public = Config {
            sandbox: SandboxMode::On,
            ..production(dir.path())
        };
        let refusals = refusals(&public);
        assert_eq!(refusals.len(), 1);
        assert!(refusals[0].starts_with("SANDBOX=on with PUBLIC_URL=https://ca.example.cn"));
    }

    #[test]
    fn a_key_file_must_live_outside_the_data() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        std::fs::create_dir_all(data.join("keys")).unwrap();
        let with_file = |file: PathBuf| Config {
            secret_key: None,
            secret_key_file: Some(file),
            ..production(&data)
        };
        let key_refusal = |config: &Config| {
            refusals(config)
                .into_iter()
                .find(|r| r.starts_with("SECRET_KEY_FILE"))
        };
        assert!(key_refusal(&with_file(data.join("keys/secret.key"))).is_some());
        // A path that climbs out and back in is still inside.
        let sneaky = root.path().join("elsewhere/../data/secret.key");
        assert!(key_refusal(&with_file(sneaky)).is_some());
        assert!(key_refusal(&with_file(root.path().join("secret.key"))).is_none());
        assert!(key_refusal(&with_file(root.path().join("data-keys/secret.key"))).is_none());
    }
}
