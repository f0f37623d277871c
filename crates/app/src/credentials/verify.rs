//! Verification of a credential someone hands in (P-03): each check the bank makes is
//! reported in Chinese with its result, and the first failure says what is wrong. Bad
//! input is an answer, never an error.

use credentials::{CredentialError, VC_V2, did, proof, status};
use serde_json::Value;
use store::now;

use super::{base_url, method_key};
use crate::{App, AppResult};

pub struct Check {
    pub item: &'static str,
    pub passed: bool,
    pub detail: String,
}

pub struct Verification {
    pub valid: bool,
    pub checks: Vec<Check>,
    /// What the credential states, when it could be read.
    pub name: Option<String>,
    pub holder: Option<String>,
    pub issuer: Option<String>,
}

impl Verification {
    fn empty() -> Self {
        Self {
            valid: false,
            checks: Vec::new(),
            name: None,
            holder: None,
            issuer: None,
        }
    }

    /// What a PDF certificate states.
    fn certificate(&mut self, f: &certs::Facts) {
        self.name = Some(format!("{}（{}）", f.title(), f.number));
        self.holder = Some(f.learner.clone());
        self.issuer = Some(f.issuer.clone());
    }

    fn push(&mut self, item: &'static str, passed: bool, detail: impl Into<String>) -> bool {
        self.checks.push(Check {
            item,
            passed,
            detail: detail.into(),
        });
        self.valid = self.checks.iter().all(|c| c.passed);
        passed
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

fn instant(v: Option<&Value>) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(v?.as_str()?)
        .ok()
        .map(|d| d.timestamp())
}

pub async fn verify(app: &App, raw: &[u8]) -> AppResult<Verification> {
    let mut out = Verification::empty();
    let doc: Value = match serde_json::from_slice(raw) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            out.push("格式", false, "不是JSON格式的凭证文件");
            return Ok(out);
        }
    };
    let is_vc = doc.pointer("/@context/0").and_then(Value::as_str) == Some(VC_V2)
        && doc["type"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "VerifiableCredential"));
    if !out.push(
        "格式",
        is_vc,
        if is_vc {
            "W3C可验证凭证 2.0"
        } else {
            "不是W3C可验证凭证 2.0（缺少@context或VerifiableCredential类型）"
        },
    ) {
        return Ok(out);
    }
    out.name = text(doc.get("name"));
    out.holder = doc
        .pointer("/credentialSubject/identifier")
        .and_then(Value::as_array)
        .and_then(|ids| ids.iter().find(|i| i["identityType"] == "name"))
        .and_then(|i| text(i.get("identityHash")));
    let issuer = text(doc.pointer("/issuer/id")).or_else(|| text(doc.get("issuer")));
    out.issuer = text(doc.pointer("/issuer/name")).or_else(|| issuer.clone());
    let ours = did::did_web(&app.config.public_url);
    if !out.push(
        "签发者",
        issuer.as_deref() == Some(ours.as_str()),
        match &issuer {
            Some(i) if *i == ours => format!("本学分银行（{ours}）"),
            Some(i) => format!("签发者{i}不是本学分银行"),
            None => "凭证没有签发者".into(),
        },
    ) {
        return Ok(out);
    }
    let signature = match proof::method(&doc) {
        Err(e) => Err(e),
        Ok(m) => match method_key(app, &m).await? {
            None => Err(CredentialError::UnknownKey(m)),
            Some(key) => proof::verify(&doc, &key),
        },
    };
    let ok = signature.is_ok();
    if !out.push(
        "签名",
        ok,
        match signature {
            Ok(()) => "eddsa-rdfc-2022 数据完整性证明有效".to_string(),
            Err(e) => e.to_string(),
        },
    ) {
        return Ok(out);
    }
    let t = now();
    let from = instant(doc.get("validFrom"));
    let until = doc.get("validUntil").map(|v| instant(Some(v)));
    let dates = match (from, until) {
        (None, _) => Err("生效时间(validFrom)缺失或格式不正确".to_string()),
        (Some(f), _) if f > t => Err("凭证尚未生效".to_string()),
        (_, Some(None)) => Err("失效时间(validUntil)格式不正确".to_string()),
        (_, Some(Some(u))) if u <= t => Err("凭证已过有效期".to_string()),
        (Some(f), _) => Ok(format!("自{}起有效", domain::time::beijing(f))),
    };
    let ok = dates.is_ok();
    if !out.push("有效期", ok, dates.unwrap_or_else(|e| e)) {
        return Ok(out);
    }
    let is_clr = doc["type"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t == "ClrCredential"));
    let state = if is_clr {
        bundled_status(app, &doc).await?
    } else {
        status_of(app, doc.get("credentialStatus")).await?
    };
    let ok = state.is_ok();
    out.push("状态", ok, state.unwrap_or_else(|e| e));
    Ok(out)
}

/// A CLR holds while every credential it bundles does (it is made afresh on request and
/// has no status entry of its own).
async fn bundled_status(app: &App, doc: &Value) -> AppResult<Result<String, String>> {
    let inner = doc
        .pointer("/credentialSubject/verifiableCredential")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if inner.is_empty() {
        return Ok(Err("学习成果记录（CLR）中没有凭证".into()));
    }
    for c in inner {
        if let Err(e) = status_of(app, c.get("credentialStatus")).await? {
            let name = c["name"].as_str().unwrap_or("（未命名）");
            return Ok(Err(format!("所含凭证“{name}”：{e}")));
        }
    }
    Ok(Ok(format!("所含{}份凭证均未撤销", inner.len())))
}

/// Reads the bit the entry names from this bank's lists.
async fn status_of(app: &App, entry: Option<&Value>) -> AppResult<Result<String, String>> {
    let Some(entry) = entry else {
        return Ok(Err("凭证没有撤销状态信息(credentialStatus)".into()));
    };
    let prefix = format!("{}/credentials/status/", base_url(app));
    let list: Option<i64> = entry["statusListCredential"]
        .as_str()
        .and_then(|u| u.strip_prefix(&prefix))
        .and_then(|n| n.parse().ok());
    let index: Option<u64> = entry["statusListIndex"].as_str().and_then(|n| n.parse().ok());
    let (Some(list), Some(index)) = (list, index) else {
        return Ok(Err("撤销状态信息不属于本学分银行的状态列表".into()));
    };
    if list < 1 || index >= status::LIST_BITS {
        return Ok(Err("撤销状态信息超出状态列表的范围".into()));
    }
    let serial = (list - 1) * status::LIST_BITS as i64 + index as i64 + 1;
    Ok(match store::credentials::by_id(&app.db.pool, serial).await? {
        None => Err("状态列表中没有这份凭证".into()),
        Some(c) => match c.revoked_at {
            Some(at) => Err(format!(
                "凭证已于{}撤销：{}",
                domain::time::beijing(at),
                c.revoked_reason.unwrap_or_default()
            )),
            None => Ok(format!("未撤销（状态列表第{list}号第{index}位）")),
        },
    })
}

/// A file handed in at /verify: a credential (JSON), a PDF certificate or a photo of
/// the QR code printed on one.
pub async fn verify_file(app: &App, raw: &[u8]) -> AppResult<Verification> {
    if raw.starts_with(b"%PDF-") {
        return verify_pdf(app, raw).await;
    }
    if certs::qr::is_image(raw) {
        return verify_qr(app, raw).await;
    }
    verify(app, raw).await
}

/// A QR code holds an address of this bank: a certificate's verification page or a
/// credential's own address. Anything else is named, not followed.
async fn verify_qr(app: &App, raw: &[u8]) -> AppResult<Verification> {
    let mut out = Verification::empty();
    out.push("格式", true, "二维码图片");
    // Decoding a large photo is CPU work: off the async workers.
    let bytes = raw.to_vec();
    let text = tokio::task::spawn_blocking(move || certs::qr::read(&bytes))
        .await
        .map_err(anyhow::Error::from)?;
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            out.push("二维码", false, e.to_string());
            return Ok(out);
        }
    };
    let base = base_url(app);
    let rest = text.trim().strip_prefix(base);
    let number = |key: &str| {
        rest.and_then(|r| r.strip_prefix(key))
            .map(|n| n.split(['&', '#']).next().unwrap_or_default().to_string())
            .filter(|n| !n.is_empty() && n.len() <= 40)
    };
    if let Some(n) = number("/credentials/") {
        out.push("二维码", true, format!("数字凭证地址：{}", text.trim()));
        let found = match check_number(app, &n).await {
            Ok(v) => v,
            Err(crate::AppError::NotFound(m)) => {
                out.push("状态", false, m);
                return Ok(out);
            }
            Err(e) => return Err(e),
        };
        out.checks.extend(found.checks);
        out.valid = out.checks.iter().all(|c| c.passed);
        (out.name, out.holder, out.issuer) = (found.name, found.holder, found.issuer);
        return Ok(out);
    }
    let Some(n) = number("/verify?number=") else {
        out.push(
            "二维码",
            false,
            format!("二维码内容“{}”不是本学分银行的核验地址", shorten(text.trim())),
        );
        return Ok(out);
    };
    out.push("二维码", true, format!("证书核验地址：{}", text.trim()));
    certificate_state(app, &mut out, &n).await?;
    Ok(out)
}

/// A foreign code's text, cut for the answer.
fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

async fn verify_pdf(app: &App, raw: &[u8]) -> AppResult<Verification> {
    let mut out = Verification::empty();
    out.push("格式", true, "PDF证书");
    let mut result = Err(certs::CertError::BadSignature);
    for key in crate::certificates::verifying_keys(app).await? {
        result = certs::verify(raw, &key);
        if !matches!(result, Err(certs::CertError::BadSignature)) {
            break;
        }
    }
    let facts = match result {
        Ok(f) => f,
        Err(e) => {
            out.push("签名", false, e.to_string());
            return Ok(out);
        }
    };
    out.certificate(&facts);
    out.push("签名", true, "Ed25519 签名有效，文件未被修改");
    certificate_state(app, &mut out, &facts.number).await?;
    Ok(out)
}

/// Whether the certificate `number` still holds, as the 状态 check; what it states is
/// taken from the register when the caller has not read it from the file.
async fn certificate_state(app: &App, out: &mut Verification, number: &str) -> AppResult<()> {
    let state = match crate::certificates::check(app, number).await {
        Ok(c) => {
            if out.name.is_none() {
                out.certificate(&c.facts);
            }
            match c.revoked {
                None => Ok("证书仍然有效".to_string()),
                Some(r) => Err(r),
            }
        }
        Err(crate::AppError::NotFound(m)) => Err(m),
        Err(e) => return Err(e),
    };
    let ok = state.is_ok();
    out.push("状态", ok, state.unwrap_or_else(|e| e));
    Ok(())
}

/// What verifying the credential issued under `number` finds (its address, `id`).
pub async fn check_number(app: &App, number: &str) -> AppResult<Verification> {
    let c = store::credentials::by_number(&app.db.pool, number.trim())
        .await?
        .ok_or_else(|| crate::AppError::NotFound("凭证编号不存在，请核对后重新输入".into()))?;
    verify(app, c.document.as_bytes()).await
}
