//! `creditbank verify FILE`: a PDF certificate or a credential (JSON), checked offline —
//! against a given public key, or against this bank's keys and status lists when no key
//! is given — and `creditbank rotate-signing-key`.

use anyhow::Context;
use app::{App, Config};

pub async fn run(config: Config, file: &std::path::Path, key: Option<String>) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let is_pdf = bytes.starts_with(b"%PDF-");
    match key {
        Some(k) if is_pdf => pdf(
            &bytes,
            &certs::public_from_hex(&k).context("公钥格式不正确（应为64位十六进制）")?,
        ),
        Some(k) => {
            let key = certs::public_from_hex(&k)
                .or_else(|| credentials::did::parse_multikey(&k))
                .context("公钥格式不正确（应为64位十六进制或 z6Mk 开头的 Multikey）")?;
            let doc: serde_json::Value = serde_json::from_slice(&bytes).context("不是JSON格式的凭证文件")?;
            credentials::proof::verify(&doc, &key).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("签名有效：{}", doc["name"].as_str().unwrap_or("-"));
            println!(
                "撤销状态请查看：{}",
                doc["credentialStatus"]["statusListCredential"].as_str().unwrap_or("-")
            );
            Ok(())
        }
        None => {
            let app = App::build(config).await?;
            let v = app::credentials::verify_file(&app, &bytes)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for c in &v.checks {
                println!("{} {}：{}", if c.passed { "通过" } else { "未通过" }, c.item, c.detail);
            }
            if let Some(n) = &v.name {
                println!("名称：{n}");
            }
            if let Some(h) = &v.holder {
                println!("持有人：{h}");
            }
            anyhow::ensure!(v.valid, "核验未通过");
            Ok(())
        }
    }
}

fn pdf(bytes: &[u8], public: &certs::PublicKey) -> anyhow::Result<()> {
    let f = certs::verify(bytes, public).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "签名有效：{}，编号 {}，{} {}，签发日期 {}",
        f.title(),
        f.number,
        f.learner,
        f.id_number,
        f.issued_on
    );
    for l in &f.lines {
        println!("  {l}");
    }
    for r in &f.rows {
        println!("  {}", r.join(" | "));
    }
    println!("是否仍然有效（成果未撤回）请在线核验：{}", f.verify_url);
    Ok(())
}

pub async fn rotate(config: Config) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    let actor = store::audit::Actor {
        role: Some("operator".into()),
        id: Some(0),
        name: Some("creditbank rotate-signing-key".into()),
        ip: None,
    };
    let key = app::certificates::rotate_key(&app, &actor)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "新的签名公钥：{}（{}）",
        certs::public_to_hex(&key),
        credentials::did::multikey(&key)
    );
    println!("旧密钥仍列在DID文档中，用于核验此前签发的证书和凭证。");
    Ok(())
}
