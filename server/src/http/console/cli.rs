//! `server reviewer add|list|disable|enable`: the review console's accounts, from the shell.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::{Config, ReviewerCommand};

use crate::service::reviewers::Reviewers;

/// The password for a new account: `REVIEWER_PASSWORD`, or one line of standard input.
fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("REVIEWER_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!(
            "密码（至少 {} 位，输入时会显示）：",
            crate::service::reviewers::MIN_PASSWORD_CHARS
        );
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub async fn run(config: &Config, action: ReviewerCommand) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)?;
    let db = crate::store::Db::connect(&config.database_url()).await?;
    let store = Reviewers::new(Arc::new(db.clone()), Arc::new(SystemClock));
    let result: Result<(), crate::service::reviewers::AccountError> = async {
        match action {
            ReviewerCommand::Add { login, name, role } => {
                let password = read_password().map_err(|e| {
                    crate::service::reviewers::AccountError::Internal(e.to_string())
                })?;
                let id = store.add(&login, &name, role, &password).await?;
                println!("已创建{} {login}（{name}），编号 {id}", role.label());
                Ok(())
            }
            ReviewerCommand::List => {
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                println!("登录名\t姓名\t角色\t状态\t上次登录");
                for r in store.list().await? {
                    let state = if r.disabled {
                        "已停用"
                    } else if r.locked_until.is_some_and(|t| t > now) {
                        "已锁定"
                    } else {
                        "正常"
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        r.login,
                        r.name,
                        r.role.code(),
                        state,
                        r.last_login_at.as_deref().unwrap_or("-")
                    );
                }
                Ok(())
            }
            ReviewerCommand::Disable { login } => {
                store.set_disabled(&login, true).await?;
                println!("已停用 {login}");
                Ok(())
            }
            ReviewerCommand::Enable { login } => {
                store.set_disabled(&login, false).await?;
                println!("已启用 {login}");
                Ok(())
            }
        }
    }
    .await;
    db.pool().close().await;
    // The account's own errors are for the operator, in a line, without a backtrace.
    if let Err(error) = result {
        eprintln!("错误：{error}");
        std::process::exit(1);
    }
    Ok(())
}
