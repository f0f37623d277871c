//! Which bank this database is (its profile), settled once when the bank opens: a new
//! database takes the configured profile and loads its taxonomy preset in the same
//! transaction; an existing one keeps the profile it was created with, whatever the
//! configuration says now (its taxonomy, accounts and review chain were made for it).

use domain::bank::Profile;
use domain::taxonomy::preset;
use store::Db;

const KEY: &str = "profile";

/// The profile a configuration names, or an error that lists the known ones.
pub fn configured(code: &str) -> anyhow::Result<Profile> {
    Profile::parse(code).ok_or_else(|| {
        let known: Vec<&str> = Profile::ALL.iter().map(|p| p.code()).collect();
        anyhow::anyhow!("unknown bank profile `{code}` (known: {})", known.join(", "))
    })
}

/// The database's profile; a new database is given `wanted` and its preset taxonomy.
pub async fn settle(db: &Db, wanted: Profile) -> anyhow::Result<Profile> {
    if let Some(code) = store::taxonomy::get_setting(&db.pool, KEY).await? {
        let have = configured(&code)?;
        if have != wanted {
            tracing::warn!(
                database = have.code(),
                configured = wanted.code(),
                "the database was created for another bank profile; keeping the database's"
            );
        }
        return Ok(have);
    }
    let mut tx = db.begin().await?;
    let profile = if store::taxonomy::count_types(&mut *tx).await? > 0 {
        // A database from before profiles: its taxonomy preset says which bank it is.
        let old = store::taxonomy::get_setting(&mut *tx, "preset").await?;
        old.as_deref().and_then(Profile::parse).unwrap_or_default()
    } else {
        let types = preset(wanted.preset())
            .ok_or_else(|| anyhow::anyhow!("taxonomy preset `{}` does not parse", wanted.preset()))?;
        store::taxonomy::load(&mut tx, &types).await?;
        wanted
    };
    store::taxonomy::set_setting(&mut *tx, KEY, profile.code()).await?;
    store::taxonomy::set_setting(&mut *tx, "preset", profile.preset()).await?;
    store::commit(tx).await?;
    Ok(profile)
}
