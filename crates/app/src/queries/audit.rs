//! 审计日志: the centre searches who did what, when and from where. The log is bank-wide
//! (its rows name no province), so only the centre reads it.

use crate::auth::Principal;
use crate::{App, AppResult};

use super::Page;
pub use store::audit::{AuditEntry, Filter as AuditFilter};

pub async fn search(
    app: &App,
    who: &Principal,
    f: &AuditFilter,
    page: i64,
    per_page: i64,
) -> AppResult<Page<AuditEntry>> {
    crate::auth::require_centre(who, "审计日志")?;
    Ok(store::audit::search(&app.db, f, page, per_page).await?)
}

/// What each action code means, in the words of the pages (the search offers these).
/// Codes made of a stem and a stage (`conversion_review_initial`) are named by `STEMS`.
pub const ACTIONS: &[(&str, &str)] = &[
    ("sign_in", "登录"),
    ("personal_data_viewed", "查看完整个人信息"),
    ("sign_in_failed", "登录失败"),
    ("sign_out", "退出登录"),
    ("account_locked", "账户锁定"),
    ("account_completed", "完善账户信息"),
    ("learner_registered", "个人用户注册"),
    ("activation_requested", "申请账户激活"),
    ("activation_resent", "重发激活邮件"),
    ("email_confirmed", "邮箱验证"),
    ("learner_account_passed", "学员账户审核"),
    ("password_changed", "修改密码"),
    ("password_reset", "找回密码"),
    ("mobile_changed", "更换手机号"),
    ("avatar_changed", "更换头像"),
    ("institution_registered", "机构注册"),
    ("institution_approved", "机构注册审核通过"),
    ("institution_rejected", "机构注册审核驳回"),
    ("institution_submitted", "机构提交注册信息"),
    ("institution_profile_changed", "修改机构信息"),
    ("sub_user_added", "新增子用户"),
    ("sub_user_changed", "修改子用户"),
    ("sub_user_password_reset", "重置子用户密码"),
    ("api_key_created", "创建接口密钥"),
    ("api_key_revoked", "撤销接口密钥"),
    ("api_call", "接口调用"),
    ("department_created", "新增综合管理部门"),
    ("staff_created", "新增管理账号"),
    ("catalog_outcome_added", "新增机构成果"),
    ("catalog_outcome_deleted", "删除机构成果"),
    ("catalog_recognition_requested", "申请机构成果认定"),
    ("catalog_recognised", "机构成果认定"),
    ("catalog_recognition_returned", "退回机构成果认定"),
    ("outcome_level_placed", "成果对应资历框架等级"),
    ("outcome_registered", "登记学习成果"),
    ("outcome_changed", "修改学习成果"),
    ("outcome_deleted", "删除学习成果"),
    ("outcome_submitted", "提交存储"),
    ("outcome_stored", "存储学习成果"),
    ("outcome_stored_by_institution", "机构存储学员成果"),
    ("outcome_returned", "退回存储申请"),
    ("outcome_withdrawn", "撤回学习成果"),
    ("evidence_added", "上传证明材料"),
    ("learner_added_by_institution", "机构新增学员账户"),
    ("learner_changed_by_institution", "机构修改学员账户"),
    ("learner_deleted_by_institution", "机构删除学员账户"),
    ("recognition_applied", "申请成果认定"),
    ("recognition_initial_review", "成果认定初审"),
    ("recognition_final_review", "成果认定终审"),
    ("taxonomy_subtype_added", "新增成果子类型"),
    ("taxonomy_field_added", "新增成果字段"),
    ("taxonomy_field_changed", "修改成果字段"),
    ("taxonomy_field_deleted", "删除成果字段"),
    ("taxonomy_restricted", "设置子类型授权"),
    ("method_created", "发布转换办法"),
    ("method_changed", "修改转换办法"),
    ("pledge_accepted", "签署信息发布安全承诺书"),
    ("rule_created", "新增转换规则"),
    ("rule_updated", "修改转换规则"),
    ("rule_deleted", "删除转换规则"),
    ("rule_published", "发布转换规则"),
    ("rule_taken_down", "下架转换规则"),
    ("conversion_applied", "申请成果转换"),
    ("conversion_batch_applied", "机构批量申请转换"),
    ("performance_applied", "申请业绩类成果转换"),
    ("certificate_issued", "开具证明"),
    ("import_cancelled", "取消中断的导入"),
    ("export", "导出数据"),
    ("statistics_exported", "导出统计数据"),
    ("feedback_reported", "提交问题反馈"),
    ("feedback_answered", "处理问题反馈"),
    ("news_created", "新增工作动态"),
    ("news_updated", "修改工作动态"),
    ("portal_page_saved", "修改门户页面"),
    ("question_asked", "在线提问"),
    ("question_answered", "回答在线提问"),
    ("framework_level_saved", "保存资历框架等级"),
    ("framework_level_deleted", "删除资历框架等级"),
    ("standard_added", "新增行业标准"),
    ("standard_deleted", "删除行业标准"),
];

/// Stems of codes composed with a stage or an action (`news_publish`).
const STEMS: &[(&str, &str)] = &[
    ("method", "转换办法"),
    ("import", "导入"),
    ("news", "工作动态"),
    ("conversion_review", "转换申请审核"),
    ("performance_review", "业绩类成果转换审核"),
];

/// The label of an action code (the code itself when none is known).
pub fn action_label(code: &str) -> String {
    let stem = ACTIONS.iter().find(|(c, _)| *c == code).or_else(|| {
        STEMS
            .iter()
            .filter(|(c, _)| code.starts_with(&format!("{c}_")))
            .max_by_key(|(c, _)| c.len())
    });
    match stem {
        Some((c, label)) if *c == code => (*label).to_string(),
        Some((c, label)) => match &code[c.len() + 1..] {
            "initial" => format!("{label}（初审）"),
            "final" => format!("{label}（终审）"),
            "single" => (*label).to_string(),
            "publish" => format!("{label}（发布）"),
            "withdraw" => format!("{label}（撤回）"),
            "delete" => format!("{label}（删除）"),
            "catalog" => format!("{label}（机构成果）"),
            "learners" => format!("{label}（学员账户）"),
            "holdings" => format!("{label}（学员成果）"),
            rest => format!("{label}（{rest}）"),
        },
        None => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_stems_and_stages() {
        assert_eq!(action_label("sign_in"), "登录");
        assert_eq!(action_label("sign_in_failed"), "登录失败");
        assert_eq!(action_label("conversion_review_initial"), "转换申请审核（初审）");
        assert_eq!(action_label("news_publish"), "工作动态（发布）");
        assert_eq!(action_label("import_holdings"), "导入（学员成果）");
        assert_eq!(action_label("unheard_of"), "unheard_of");
    }
}
