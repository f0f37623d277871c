//! SMS-verified exports: a code goes to the account's bound mobile, the
//! export is audited, and personal data in it stays masked.

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

/// Builds an .xlsx of the rows after checking the SMS code; records the export.
pub async fn xlsx(
    app: &App,
    user: &InstitutionUser,
    code: &str,
    what: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    actor: &Actor,
) -> AppResult<Vec<u8>> {
    let mobile = mobile_for(app, user).await?;
    sms::verify_code(&app.db, &mobile, Purpose::Export, code).await?;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!(e));
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(err)?;
        sheet.set_column_width(c as u16, 18).map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, v).map_err(err)?;
        }
    }
    let bytes = book.save_to_buffer().map_err(err)?;
    store::audit::record(
        &app.db.pool,
        actor,
        "export",
        Some(what),
        Some(&format!("{}行", rows.len())),
        now(),
    )
    .await?;
    Ok(bytes)
}
