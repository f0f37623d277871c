//! SMS-verified exports: a code goes to the account's bound mobile, the
//! export is audited, and personal data in it stays masked. An institution's system
//! exports with its API key instead: the key was made by the primary account, is kept
//! hashed and its every use audited, so it stands in for the code a person types.

use rust_xlsxwriter::{Format, Workbook};
use store::audit::Actor;
use store::institutions::InstitutionUser;
use store::now;

use crate::sms::{self, Purpose};
use crate::{App, AppError, AppResult};

/// The mobile an institution user's export codes go to: its own, or its primary
/// account's when a sub-user has none.
pub async fn mobile_for(app: &App, user: &InstitutionUser) -> AppResult<String> {
    if let Some(m) = user.mobile.clone().filter(|m| !m.is_empty()) {
        return Ok(m);
    }
    store::institutions::users_of(&app.db.pool, user.institution_id)
        .await?
        .into_iter()
        .find(|u| u.is_primary == 1)
        .and_then(|u| u.mobile)
        .ok_or_else(|| AppError::Conflict("账号未绑定手机号，无法获取验证码".into()))
}

pub async fn send_code(app: &App, user: &InstitutionUser, ip: &str) -> AppResult<String> {
    let mobile = mobile_for(app, user).await?;
    sms::send_code(app, &domain::mobile::Mobile::parse(&mobile)?, Purpose::Export, ip).await?;
    Ok(domain::mask::mobile(&mobile))
}

/// What lets an export run.
pub enum Gate<'a> {
    /// The code sent to the account's mobile, typed by a person.
    SmsCode(&'a str),
    /// An API key of the exporting institution with the read scope.
    Key(&'a crate::api_keys::KeyCaller),
}

impl Gate<'_> {
    async fn check(&self, app: &App, user: &InstitutionUser) -> AppResult<()> {
        match self {
            Gate::SmsCode(code) => {
                let mobile = mobile_for(app, user).await?;
                sms::verify_code(&app.db, &mobile, Purpose::Export, code).await
            }
            Gate::Key(k)
                if k.key.institution_id == user.institution_id && k.scopes.contains(&crate::api_keys::Scope::Read) =>
            {
                Ok(())
            }
            Gate::Key(_) => Err(AppError::forbidden()),
        }
    }
}

/// An export being written: the gate is checked before anything is read, and rows
/// go to a constant-memory worksheet as the caller reads them a page at a time.
pub struct Export {
    book: Workbook,
    rows: u32,
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!(e))
}

impl Export {
    pub async fn start(app: &App, user: &InstitutionUser, gate: &Gate<'_>, headers: &[&str]) -> AppResult<Export> {
        gate.check(app, user).await?;
        let mut book = Workbook::new();
        let sheet = book.add_worksheet_with_constant_memory();
        let bold = Format::new().set_bold();
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *h, &bold)
                .map_err(xlsx_err)?;
            sheet.set_column_width(c as u16, 18).map_err(xlsx_err)?;
        }
        Ok(Export { book, rows: 0 })
    }

    pub fn push(&mut self, row: &[String]) -> AppResult<()> {
        let sheet = self.book.worksheet_from_index(0).map_err(xlsx_err)?;
        self.rows += 1;
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(self.rows, c as u16, v).map_err(xlsx_err)?;
        }
        Ok(())
    }

    /// The file; the export is recorded in the audit log with its row count.
    pub async fn finish(mut self, app: &App, what: &str, actor: &Actor) -> AppResult<Vec<u8>> {
        let bytes = self.book.save_to_buffer().map_err(xlsx_err)?;
        store::audit::record(
            &app.db.pool,
            actor,
            "export",
            Some(what),
            Some(&format!("{}行", self.rows)),
            now(),
        )
        .await?;
        Ok(bytes)
    }
}

mod conversions;
mod lists;
pub use conversions::*;
pub use lists::*;
