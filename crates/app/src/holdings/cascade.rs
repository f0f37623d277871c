//! What follows a withdrawal, in the withdrawal's own transaction: the outcome's
//! credentials are revoked, and every outcome a conversion granted on its strength is
//! withdrawn in turn — credits reversed, learner told, credentials revoked — all the way
//! down the chain of conversions.

use domain::ids::HoldingId;
use store::audit::Actor;
use store::holdings::Holding;
use store::{Tx, now};

use crate::AppResult;

/// `reason` is why `h` was withdrawn; its credentials are revoked saying so.
pub(crate) async fn after_withdrawal(tx: &mut Tx, h: &Holding, reason: &str, actor: &Actor) -> AppResult<()> {
    let t = now();
    crate::credentials::revoke_holding(tx, h.id, &format!("成果已撤回：{reason}"), t).await?;
    let mut queue: Vec<(HoldingId, String)> = store::holdings::granted_from(&mut **tx, h.id)
        .await?
        .into_iter()
        .map(|g| (g, h.name.clone()))
        .collect();
    while let Some((id, source)) = queue.pop() {
        let Some(g) = store::holdings::by_id(&mut **tx, id).await? else {
            continue;
        };
        let reason = format!("转换所依据的源成果“{source}”已被撤回");
        // Only a stored outcome changes: a chain cannot loop.
        if !store::holdings::withdraw_synced(&mut **tx, g.id, &reason, t).await? {
            continue;
        }
        if let Some(c) = g.credits {
            store::ledger::append(
                &mut **tx,
                g.learner_id,
                -c,
                &format!("成果撤回：{}", g.name),
                Some(g.id),
                actor,
                t,
            )
            .await?;
        }
        store::messages::send(
            &mut **tx,
            "learner",
            g.learner_id,
            "转换获得的成果被撤回",
            &format!("您转换获得的学习成果“{}”已随之撤回，原因：{reason}。", g.name),
            Some(&format!("/learner/outcomes/{}", g.id)),
            t,
        )
        .await?;
        store::audit::record(
            &mut **tx,
            actor,
            "outcome_withdrawn_cascade",
            Some(&g.id.to_string()),
            Some(&reason),
            t,
        )
        .await?;
        crate::credentials::revoke_holding(tx, g.id, &reason, t).await?;
        queue.extend(
            store::holdings::granted_from(&mut **tx, g.id)
                .await?
                .into_iter()
                .map(|n| (n, g.name.clone())),
        );
    }
    Ok(())
}
