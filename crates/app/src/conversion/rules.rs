//! Rules (I-08): made, edited and deleted while 未提交, published and withdrawn (back to
//! 未提交) by their institution; taken down (下架) by the department.

use super::*;
use domain::ids::{CatalogOutcomeId, DepartmentId, FileId, InstitutionId, RuleId};

pub const RULE_KINDS: [&str; 4] = ["学历→学历", "学历→非学历", "非学历→学历", "非学历→非学历"];

#[derive(Debug, Default, Clone)]
pub struct RuleForm {
    pub name: String,
    pub kind: String,
    pub sources: Vec<CatalogOutcomeId>,
    pub targets: Vec<CatalogOutcomeId>,
    /// 免考模块 per target: (target, module name, credits text).
    pub exemptions: Vec<(CatalogOutcomeId, String, String)>,
    pub ratio: String,
    pub explanation: String,
    pub min_score: String,
    pub max_age_years: String,
    /// The signed rule document, checked and stored; its row is written with the rule.
    pub document: Option<crate::files::Upload>,
}

/// Whether a catalog outcome is a course, by its subtype's fields in the taxonomy.
async fn is_course(app: &App, o: &store::catalog::CatalogOutcome) -> AppResult<bool> {
    let fields = store::taxonomy::fields(&app.db.pool, o.subtype_id).await?;
    Ok(domain::taxonomy::is_course(fields.iter().map(|f| f.key.as_str())))
}

/// A rule form checked against the catalog: what `create_rule` and `update_rule` write.
struct Parsed {
    name: String,
    ratio: String,
    explanation: String,
    min_score: Option<i64>,
    max_age: Option<i64>,
    sources: Vec<CatalogOutcomeId>,
    /// (target, credits of its 免考模块, the module's name).
    targets: Vec<(CatalogOutcomeId, Option<i64>, Option<String>)>,
}

/// Checks a rule form; `document_required` for a new rule (an edit keeps its file).
async fn parse(app: &App, institution_id: InstitutionId, f: &RuleForm, document_required: bool) -> AppResult<Parsed> {
    let pool = &app.db.pool;
    let mut v = Checks::default();
    let name = v.check(parse_label("name", "规则名称", &f.name, 100));
    if !RULE_KINDS.contains(&f.kind.as_str()) {
        v.fail("kind", "请选择规则类型");
    }
    let ratio = v.check(parse_label("ratio", "转换比例", &f.ratio, 50));
    let explanation = v.check(parse_label("explanation", "规则说明", &f.explanation, 2000));
    let min_score = match domain::normalize::half_width(&f.min_score) {
        s if s.is_empty() => None,
        s => match Credits::parse_decimal(&s).filter(|x| *x <= 10_000) {
            Some(x) => Some(x),
            None => {
                v.fail("min_score", "最低成绩须为0-100之间的数字");
                None
            }
        },
    };
    let max_age = match domain::normalize::half_width(&f.max_age_years) {
        s if s.is_empty() => None,
        s => match s.parse::<i64>().ok().filter(|y| (1..=50).contains(y)) {
            Some(y) => Some(y),
            None => {
                v.fail("max_age_years", "有效年限须为1-50之间的整数");
                None
            }
        },
    };
    if f.sources.is_empty() {
        v.fail("sources", "请至少选择一项源成果");
    }
    let mut sources = Vec::new();
    for id in &f.sources {
        match store::catalog::by_id(pool, *id).await? {
            Some(o) => sources.push(o),
            None => v.fail("sources", "所选的源成果不存在"),
        }
    }
    let mut targets = Vec::new();
    if f.targets.is_empty() {
        v.fail("targets", "请至少选择一项目标成果");
    }
    for id in &f.targets {
        match store::catalog::by_id(pool, *id)
            .await?
            .filter(|o| o.institution_id == institution_id)
        {
            Some(o) => targets.push(o),
            None => v.fail("targets", "目标成果须为本机构的成果"),
        }
    }
    if f.targets.iter().any(|t| f.sources.contains(t)) {
        v.fail("targets", "目标成果不能同时是源成果");
    }
    let (mut majors, mut courses) = (0, 0);
    for o in &targets {
        if is_course(app, o).await? {
            courses += 1;
        } else if o.category == "academic" {
            majors += 1;
        }
    }
    if majors > 0 && courses == 0 {
        v.fail("targets", "目标为专业（学历证书）时，须至少选择一门课程");
    }
    let mut exemptions = Vec::new();
    for (target, module, credits) in &f.exemptions {
        if module.trim().is_empty() && credits.trim().is_empty() {
            continue;
        }
        if !f.targets.contains(target) {
            continue;
        }
        let m = v.check(parse_label("exemptions", "免考模块", module, 50));
        let c = Credits::parse_decimal(credits);
        if c.is_none() {
            v.fail("exemptions", "免考模块学分须为不小于0的数字");
        }
        if let (Some(m), Some(c)) = (m, c) {
            exemptions.push((*target, m, c));
        }
    }
    if document_required && f.document.is_none() {
        v.fail("file", "请上传盖章的规则文件（PDF）");
    }
    v.finish()?;
    Ok(Parsed {
        name: checked(name)?,
        ratio: checked(ratio)?,
        explanation: checked(explanation)?,
        min_score,
        max_age,
        sources: sources.iter().map(|o| o.id).collect(),
        targets: targets
            .iter()
            .map(|o| {
                let ex = exemptions.iter().find(|e| e.0 == o.id);
                (o.id, ex.map(|e| e.2), ex.map(|e| e.1.clone()))
            })
            .collect(),
    })
}

async fn link(tx: &mut Tx, id: RuleId, p: &Parsed) -> AppResult<()> {
    for s in &p.sources {
        store::conversion::add_source(&mut **tx, id, *s).await?;
    }
    for (o, credits, note) in &p.targets {
        store::conversion::add_target(&mut **tx, id, *o, *credits, note.as_deref()).await?;
    }
    Ok(())
}

fn new_rule<'a>(
    p: &'a Parsed,
    code: &'a str,
    institution_id: InstitutionId,
    kind: &'a str,
    file_id: Option<FileId>,
    t: i64,
) -> NewRule<'a> {
    NewRule {
        code,
        institution_id,
        name: &p.name,
        kind,
        ratio: &p.ratio,
        explanation: &p.explanation,
        file_id,
        min_score: p.min_score,
        max_age_years: p.max_age,
        now: t,
    }
}

/// Makes a rule (未提交). A published method is required before the first rule.
pub async fn create_rule(app: &App, institution_id: InstitutionId, f: &RuleForm, actor: &Actor) -> AppResult<RuleId> {
    let p = parse(app, institution_id, f, true).await?;
    if !store::conversion::has_published_method(&app.db.pool, institution_id).await? {
        return Err(AppError::Conflict("请先发布本机构的转换办法，再制定转换规则".into()));
    }
    let t = now();
    let day = domain::time::beijing_day(t).format("%Y%m%d").to_string();
    let mut tx = app.db.begin().await?;
    let file_id = crate::files::record_opt(
        &mut tx,
        f.document.as_ref(),
        "institution",
        actor.id.unwrap_or_default(),
    )
    .await?;
    let code = store::conversion::next_code(&mut *tx, &day).await?;
    let id =
        store::conversion::insert_rule(&mut *tx, &new_rule(&p, &code, institution_id, &f.kind, file_id, t)).await?;
    link(&mut tx, id, &p).await?;
    store::audit::record(&mut *tx, actor, "rule_created", Some(&code), None, t).await?;
    store::commit(tx).await?;
    Ok(id)
}

/// The institution's own rule, or "not found".
async fn own_rule(app: &App, institution_id: InstitutionId, id: RuleId) -> AppResult<Rule> {
    store::conversion::rule(&app.db.pool, id)
        .await?
        .filter(|r| r.institution_id == institution_id)
        .ok_or_else(AppError::not_found)
}

/// 修改 a rule while it is 未提交 and no application refers to it (an application
/// must keep meaning what it meant). A new document replaces the old one.
pub async fn update_rule(
    app: &App,
    institution_id: InstitutionId,
    id: RuleId,
    f: &RuleForm,
    actor: &Actor,
) -> AppResult<()> {
    let r = own_rule(app, institution_id, id).await?;
    if !r.status.editable() {
        return Err(AppError::Conflict(format!(
            "规则当前为“{}”，只有未提交的规则可以修改",
            r.status.label()
        )));
    }
    if store::conversion::applications_of_rule(&app.db.pool, id).await? > 0 {
        return Err(AppError::Conflict(
            "该规则已有转换申请，不能修改；请制定新的规则".into(),
        ));
    }
    let p = parse(app, institution_id, f, false).await?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let file_id = crate::files::record_opt(
        &mut tx,
        f.document.as_ref(),
        "institution",
        actor.id.unwrap_or_default(),
    )
    .await?;
    if !store::conversion::update_draft(&mut tx, id, &new_rule(&p, &r.code, institution_id, &f.kind, file_id, t))
        .await?
    {
        return Err(AppError::Conflict("规则已被提交或删除，请刷新页面".into()));
    }
    link(&mut tx, id, &p).await?;
    store::audit::record(&mut *tx, actor, "rule_updated", Some(&r.code), None, t).await?;
    store::commit(tx).await?;
    Ok(())
}

/// 删除 a rule while it is 未提交 and no application refers to it.
pub async fn delete_rule(app: &App, institution_id: InstitutionId, id: RuleId, actor: &Actor) -> AppResult<()> {
    let r = own_rule(app, institution_id, id).await?;
    let t = now();
    let mut tx = app.db.begin().await?;
    if !store::conversion::delete_draft(&mut tx, institution_id, id).await? {
        return Err(AppError::Conflict(format!(
            "规则当前为“{}”或已有转换申请，不能删除",
            r.status.label()
        )));
    }
    store::audit::record(&mut *tx, actor, "rule_deleted", Some(&r.code), None, t).await?;
    store::commit(tx).await?;
    Ok(())
}

/// Publishes a rule (未提交 → 已发布) or withdraws it (已发布 → 未提交). A published rule
/// never changes while published.
pub async fn act_on_rule(
    app: &App,
    institution_id: InstitutionId,
    id: RuleId,
    action: RuleAction,
    actor: &Actor,
) -> AppResult<()> {
    let r = store::conversion::rule(&app.db.pool, id)
        .await?
        .filter(|r| r.institution_id == institution_id)
        .ok_or_else(AppError::not_found)?;
    let t = now();
    let from = r.status;
    let to = match action {
        RuleAction::Publish | RuleAction::Withdraw => from.after(action),
        // Taking a rule down is the department's (`take_down`).
        RuleAction::TakeDown => None,
    };
    let mut tx = app.db.begin().await?;
    let ok = match to {
        Some(to) => store::conversion::set_rule_status(&mut *tx, id, from.code(), to.code(), None, t).await?,
        None => false,
    };
    if !ok {
        return Err(AppError::Conflict(format!(
            "规则当前为“{}”，不能执行该操作",
            r.status.label()
        )));
    }
    store::audit::record(
        &mut *tx,
        actor,
        if action == RuleAction::Publish {
            "rule_published"
        } else {
            "rule_withdrawn"
        },
        Some(&r.code),
        None,
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}

/// M-03: the department takes a published rule of its scope down (下架).
pub async fn take_down(app: &App, scope: &[DepartmentId], id: RuleId, reason: &str, actor: &Actor) -> AppResult<()> {
    let r = store::conversion::rule(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let inst = store::institutions::by_id(&app.db.pool, r.institution_id).await?;
    if !inst.is_some_and(|i| scope.contains(&i.department_id)) {
        return Err(AppError::not_found());
    }
    let reason = domain::opinion::Opinion::parse("reason", "下架原因", reason, true)?.into_string();
    let from = r.status;
    let Some(to) = from.after(RuleAction::TakeDown) else {
        return Err(AppError::Conflict("只有已发布的规则可以下架".into()));
    };
    let mut tx = app.db.begin().await?;
    if !store::conversion::set_rule_status(&mut *tx, id, from.code(), to.code(), Some(&reason), now()).await? {
        return Err(AppError::Conflict("只有已发布的规则可以下架".into()));
    }
    crate::messages::to_institution(
        &mut *tx,
        r.institution_id,
        Some(domain::role::Area::Rules),
        "转换规则被下架",
        &format!(
            "您的转换规则{}（{}）已被{}下架，原因：{reason}。",
            r.code,
            r.name,
            app.bank.short_name()
        ),
        &format!("/institution/rules/{id}"),
        now(),
    )
    .await?;
    store::audit::record(&mut *tx, actor, "rule_taken_down", Some(&r.code), Some(&reason), now()).await?;
    store::commit(tx).await?;
    Ok(())
}
