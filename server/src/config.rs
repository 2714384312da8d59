//! Start-up configuration, read from environment variables (or flags) with local defaults.

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr};

pub use crate::http::client_addr::TrustedProxies;

/// The command line: with no subcommand the server serves; `reviewer …` manages the review
/// console's accounts on the same database (same `DATA_DIR` / `DATABASE_URL`).
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "server", about = "数字证书网上办理: the web server")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Review-console accounts (审核员).
    Reviewer {
        #[command(subcommand)]
        action: ReviewerCommand,
    },
    /// Copies every row of this installation's SQLite database (`DATABASE_URL`, or the file in
    /// `DATA_DIR`) into the PostgreSQL database at TARGET, which must be new: it is migrated,
    /// filled in one transaction, and its id sequences moved past the copied ids. Stop the
    /// server first. Login sessions are not copied: applicants sign in again.
    CopyTo {
        /// `postgres://user:password@host/database`
        target: String,
    },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ReviewerCommand {
    /// Creates an account. The password is read from REVIEWER_PASSWORD if set, otherwise as
    /// one line from standard input (at least 12 characters).
    Add {
        /// What the reviewer types to sign in: lower-case letters, digits, `.`, `_`, `-`.
        login: String,
        /// The name shown on timelines and in the console, e.g. 张审核.
        #[arg(long)]
        name: String,
        /// `reviewer` reviews; `admin` also sees the accounts and the audit log.
        #[arg(long, value_enum, default_value_t = crate::service::reviewers::Role::Reviewer)]
        role: crate::service::reviewers::Role,
    },
    /// Lists the accounts.
    List,
    /// Stops an account from signing in; its open sessions end at their next request.
    Disable { login: String },
    /// Lets a disabled (or locked) account sign in again.
    Enable { login: String },
}

#[derive(Debug, Clone, clap::Parser)]
#[command(name = "server", about = "数字证书网上办理: the web server")]
pub struct Config {
    /// Address to listen on. Defaults to the `site-addr` in Cargo.toml (127.0.0.1:3000).
    #[arg(long, env = "BIND_ADDR")]
    pub bind_addr: Option<SocketAddr>,

    /// Folder for everything the server writes: the SQLite file, uploaded files and, when
    /// SECRET_KEY is not set, the generated `secret.key`. Created on first start.
    #[arg(long, env = "DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Database URL. Defaults to `sqlite://<DATA_DIR>/portal.db`, created when missing.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Folder of project catalog files (`*.toml`, one per trading platform).
    #[arg(long, env = "CATALOG_DIR", default_value = "catalog")]
    pub catalog_dir: PathBuf,

    /// Folder of texts an operator may replace: `agreements/service.md`, `privacy.md` and
    /// `sensitive.md` (the first line `# 标题`, then the body). A missing file stops start-up.
    #[arg(long, env = "CONTENT_DIR", default_value = "content")]
    pub content_dir: PathBuf,

    /// The TrueType font the printed documents are set in. The default, Noto Sans SC (SIL OFL,
    /// 30,890 characters including CJK Extension A, so rare name characters print), comes from
    /// npm with `scripts/setup.sh`. Only the characters of each document reach the browser.
    #[arg(
        long,
        env = "DOCUMENT_FONT",
        default_value = "node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"
    )]
    pub document_font: PathBuf,

    /// Image captcha before an SMS code is sent: `on`, or `off` for automated tests only.
    #[arg(long, env = "CAPTCHA", value_enum, default_value_t = CaptchaMode::On)]
    pub captcha: CaptchaMode,

    /// Who delivers text messages. `local` keeps them in the database's `sms_outbox` table and
    /// shows them at `/dev/outbox`; nothing leaves the machine.
    #[arg(long, env = "SMS_PROVIDER", value_enum, default_value_t = SmsProviderKind::Local)]
    pub sms_provider: SmsProviderKind,

    /// Master secret (hex or base64, at least 32 bytes) from which the keys for SMS-code hashes,
    /// captcha hashes and the encryption of personal data at rest are derived. When unset, one
    /// is generated once into `<DATA_DIR>/secret.key`. Several instances behind a balancer must
    /// share the same value; losing it makes saved drafts and applications unreadable.
    #[arg(long, env = "SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<SecretKey>,

    /// A file holding the master secret (hex or base64), e.g. a mounted secret. Outside the
    /// sandbox it must lie outside `DATA_DIR`, so a backup of the data never carries its key.
    #[arg(long, env = "SECRET_KEY_FILE", conflicts_with = "secret_key")]
    pub secret_key_file: Option<PathBuf>,

    /// `on` runs the stand-ins' demonstration surfaces: the SMS outbox and simulated bank
    /// statement at `/dev/outbox`, the sandbox cashier, and the identity test hook, with a
    /// 演示环境 banner on every page. The local providers need it; an `https://` `PUBLIC_URL`
    /// refuses it (see `production`).
    #[arg(long, env = "SANDBOX", value_enum, default_value_t = SandboxMode::Off)]
    pub sandbox: SandboxMode,

    /// The address applicants use, e.g. `https://ca.example.cn`. Session cookies are marked
    /// `Secure` exactly when it starts with `https://`.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:3000")]
    pub public_url: String,

    /// Minutes without a request after which a login session ends.
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub session_idle_minutes: u32,

    /// SMS codes one client IP address (an IPv6 /64) may request per rolling hour.
    #[arg(long, env = "SMS_IP_HOURLY_LIMIT", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub sms_ip_hourly_limit: u32,

    /// Who reads ID cards, checks liveness and compares faces for the phone handoff. `local`
    /// reads no card (the name and number come from the application) but checks that real
    /// photos arrived and that liveness frames move; see `handoff::local_verifier`.
    #[arg(long, env = "IDENTITY_PROVIDER", value_enum, default_value_t = IdentityProviderKind::Local)]
    pub identity_provider: IdentityProviderKind,

    /// Days after a handoff session ends (completed, expired or failed) before its ID photos
    /// and liveness frames are deleted; the verification result and its steps are kept.
    #[arg(long, env = "IDENTITY_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub identity_retention_days: u32,

    /// Days a draft that was never submitted may go unsaved before it is deleted with
    /// everything typed into it (the privacy policy states this period).
    #[arg(long, env = "DRAFT_RETENTION_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub draft_retention_days: u32,

    /// Days a text message is kept in the local SMS outbox before it is deleted.
    #[arg(long, env = "OUTBOX_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub outbox_retention_days: u32,

    /// Days after an application was cancelled before it is deleted with its uploaded scans,
    /// phone-step photos, payments and timeline (no certificate was made from it).
    #[arg(long, env = "CANCELLED_RETENTION_DAYS", default_value_t = 180,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub cancelled_retention_days: u32,

    /// Who takes online payments (微信支付 / 支付宝). `local` is a sandbox cashier on this
    /// server (`/sandbox/cashier/...`): the QR code opens it, 确认支付 sends a signed notice to
    /// `/payment/notify/local`, and nothing is charged. For testing only: anyone holding the QR
    /// code can mark the order paid.
    #[arg(long, env = "PAYMENT_PROVIDER", value_enum, default_value_t = PaymentProviderKind::Local)]
    pub payment_provider: PaymentProviderKind,
    /// Who sends the financial check's 0.01-yuan transfer. `local` sends nothing: the transfer
    /// and its memo go into a simulated bank statement shown at `/dev/outbox`.
    #[arg(long, env = "BANK_PROVIDER", value_enum, default_value_t = BankProviderKind::Local)]
    pub bank_provider: BankProviderKind,
    /// The CA's issuing system, which makes the certificates when production starts. `local`
    /// assigns serials, U-key numbers and validity itself: the certificates are not real.
    #[arg(long, env = "ISSUER", value_enum, default_value_t = IssuerKind::Local)]
    pub issuer: IssuerKind,

    /// Seconds a page may take to render in full. A page not ready by then is answered with
    /// 503 and a Chinese page offering to try again, and the route is logged; other requests
    /// have fixed limits (see `deadline`).
    #[arg(long, env = "PAGE_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=120))]
    pub page_timeout_secs: u64,

    /// Seconds a multipart upload may take, its body included. The default allows 2 MB over
    /// about 56 kbit/s; a slower body is answered 503 and its connection closed.
    #[arg(long, env = "UPLOAD_TIMEOUT_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub upload_timeout_secs: u64,

    /// Connections served at once. One over the cap waits briefly for a free place, then is
    /// closed (see `serve`).
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,

    /// Reverse proxies in front of the server whose `X-Forwarded-For` is believed:
    /// comma-separated addresses or CIDR blocks, e.g. `127.0.0.1,10.0.0.0/8`. Behind them the
    /// client is the right-most forwarded address that is not itself one of them; from any
    /// other peer the header is ignored. Empty: every limit counts the peer address.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,
}

impl Config {
    /// The settings for a server on `data_dir` with every other value at its default, as an
    /// unconfigured `server` would run (tests start from here).
    pub fn with_defaults(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            bind_addr: None,
            data_dir: data_dir.into(),
            database_url: None,
            catalog_dir: PathBuf::from("catalog"),
            content_dir: PathBuf::from("content"),
            document_font: PathBuf::from(
                "node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf",
            ),
            captcha: CaptchaMode::On,
            sms_provider: SmsProviderKind::Local,
            secret_key: None,
            secret_key_file: None,
            sandbox: SandboxMode::Off,
            public_url: "http://127.0.0.1:3000".to_owned(),
            session_idle_minutes: 30,
            sms_ip_hourly_limit: 20,
            identity_provider: IdentityProviderKind::Local,
            identity_retention_days: 30,
            draft_retention_days: 90,
            outbox_retention_days: 30,
            cancelled_retention_days: 180,
            payment_provider: PaymentProviderKind::Local,
            bank_provider: BankProviderKind::Local,
            issuer: IssuerKind::Local,
            page_timeout_secs: 10,
            upload_timeout_secs: 300,
            max_connections: 1024,
            trusted_proxies: TrustedProxies::default(),
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("portal.db").display()))
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    /// Where the handoff's ID photos and liveness frames are kept, encrypted.
    pub fn identity_dir(&self) -> PathBuf {
        self.data_dir.join("identity")
    }

    /// Where the generated master secret is kept in the sandbox when no key is given.
    pub fn generated_secret_file(&self) -> PathBuf {
        self.data_dir.join("secret.key")
    }

    pub fn is_sandbox(&self) -> bool {
        self.sandbox == SandboxMode::On
    }

    /// Whether the site is served over HTTPS, so cookies must be `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CaptchaMode {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxMode {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmsProviderKind {
    /// The local outbox: messages are stored, not sent.
    Local,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IdentityProviderKind {
    /// No vendor: photos and frames are checked on this machine, cards are not read.
    Local,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PaymentProviderKind {
    /// The sandbox cashier: no money moves.
    Local,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BankProviderKind {
    /// A simulated statement: nothing is sent.
    Local,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IssuerKind {
    /// Serials and validity made up locally: no real certificate.
    Local,
}

/// The decoded master secret. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Vec<u8>);

/// The shortest secret accepted: 256 bits.
pub const SECRET_KEY_MIN_BYTES: usize = 32;

impl SecretKey {
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < SECRET_KEY_MIN_BYTES {
            return Err(format!(
                "SECRET_KEY must be at least {SECRET_KEY_MIN_BYTES} bytes, got {}",
                bytes.len()
            ));
        }
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl FromStr for SecretKey {
    type Err = String;

    /// Hex when the text is hex (an even number of `0-9a-f`), otherwise base64 (standard or
    /// URL-safe alphabet, padding optional).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

        let text = text.trim();
        let bytes = if !text.is_empty()
            && text.len().is_multiple_of(2)
            && text.bytes().all(|b| b.is_ascii_hexdigit())
        {
            hex::decode(text).map_err(|e| format!("SECRET_KEY is not valid hex: {e}"))?
        } else {
            let unpadded = text.trim_end_matches('=');
            STANDARD_NO_PAD
                .decode(unpadded)
                .or_else(|_| URL_SAFE_NO_PAD.decode(unpadded))
                .map_err(|_| "SECRET_KEY must be hex or base64".to_owned())?
        };
        Self::from_bytes(bytes)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[test]
    fn with_defaults_matches_the_declared_defaults() {
        let command = Config::command();
        let default = |id: &str| {
            command
                .get_arguments()
                .find(|a| a.get_id() == id)
                .and_then(|a| a.get_default_values().first())
                .map(|v| v.to_string_lossy().into_owned())
        };
        let config = Config::with_defaults("data");
        assert_eq!(default("data_dir").unwrap(), "data");
        assert_eq!(
            default("catalog_dir").unwrap(),
            config.catalog_dir.to_string_lossy()
        );
        assert_eq!(
            default("content_dir").unwrap(),
            config.content_dir.to_string_lossy()
        );
        assert_eq!(
            default("document_font").unwrap(),
            config.document_font.to_string_lossy()
        );
        assert_eq!(default("captcha").unwrap(), "on");
        assert_eq!(default("sms_provider").unwrap(), "local");
        assert_eq!(default("public_url").unwrap(), config.public_url);
        assert_eq!(default("session_idle_minutes").unwrap(), "30");
        assert_eq!(default("sms_ip_hourly_limit").unwrap(), "20");
        assert_eq!(default("identity_provider").unwrap(), "local");
        assert_eq!(config.identity_provider, IdentityProviderKind::Local);
        assert_eq!(default("identity_retention_days").unwrap(), "30");
        assert_eq!(config.identity_retention_days, 30);
        assert_eq!(default("draft_retention_days").unwrap(), "90");
        assert_eq!(config.draft_retention_days, 90);
        assert_eq!(default("outbox_retention_days").unwrap(), "30");
        assert_eq!(config.outbox_retention_days, 30);
        assert_eq!(default("cancelled_retention_days").unwrap(), "180");
        assert_eq!(config.cancelled_retention_days, 180);
        assert_eq!(default("payment_provider").unwrap(), "local");
        assert_eq!(config.payment_provider, PaymentProviderKind::Local);
        assert_eq!(default("secret_key"), None);
        assert_eq!(default("secret_key_file"), None);
        assert_eq!(default("sandbox").unwrap(), "off");
        assert!(!config.is_sandbox());
        assert_eq!(default("page_timeout_secs").unwrap(), "10");
        assert_eq!(config.page_timeout_secs, 10);
        assert_eq!(default("upload_timeout_secs").unwrap(), "300");
        assert_eq!(config.upload_timeout_secs, 300);
        assert_eq!(default("max_connections").unwrap(), "1024");
        assert_eq!(config.max_connections, 1024);
        assert_eq!(default("trusted_proxies").unwrap(), "");
        assert_eq!(config.trusted_proxies, TrustedProxies::default());
    }

    #[test]
    fn no_subcommand_serves_and_reviewer_commands_parse() {
        let cli = Cli::try_parse_from(["server", "--captcha", "off"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.config.captcha, CaptchaMode::Off);
        let cli = Cli::try_parse_from([
            "server",
            "reviewer",
            "add",
            "zhang",
            "--name",
            "张审核",
            "--role",
            "admin",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Reviewer {
                action: ReviewerCommand::Add { ref login, role: crate::service::reviewers::Role::Admin, .. }
            }) if login == "zhang"
        ));
        assert!(Cli::try_parse_from(["server", "reviewer", "add", "zhang"]).is_err());
        assert!(Cli::try_parse_from(["server", "reviewer", "list"]).is_ok());
    }

    #[test]
    fn flags_parse_and_the_secret_is_not_printed() {
        let config = Config::try_parse_from([
            "server",
            "--captcha",
            "off",
            "--public-url",
            "HTTPS://ca.example.cn",
            "--secret-key",
            &"ab".repeat(32),
        ])
        .unwrap();
        assert_eq!(config.captcha, CaptchaMode::Off);
        assert!(config.is_https());
        assert!(!format!("{config:?}").contains("abab"));
        assert!(!Config::with_defaults("data").is_https());
        assert!(Config::try_parse_from(["server", "--secret-key", "short"]).is_err());
        assert!(Config::try_parse_from(["server", "--session-idle-minutes", "0"]).is_err());
        assert!(Config::try_parse_from(["server", "--identity-retention-days", "0"]).is_err());
        assert!(Config::try_parse_from(["server", "--max-connections", "0"]).is_err());
        let proxied =
            Config::try_parse_from(["server", "--trusted-proxies", "127.0.0.1, 10.0.0.0/8,::1"])
                .unwrap();
        assert!(
            proxied
                .trusted_proxies
                .contains("10.1.2.3".parse().unwrap())
        );
        assert!(Config::try_parse_from(["server", "--trusted-proxies", "10.0.0.0/33"]).is_err());
    }
}
