//! The demo portal: a published news item and a draft, the centre's two pages, a
//! framework of levels with a course placed on one, an industry standard, and a
//! question answered in public — written through the same use cases as the pages.

use crate::auth::Principal;
use crate::portal::framework::{LevelForm, StandardForm};
use crate::portal::questions::{AnswerForm, AskForm};
use crate::portal::{self, NewsForm};
use crate::{App, AppError, AppResult};

const LEVELS: [(&str, &str, &str, &str, &str); 4] = [
    (
        "1",
        "一级",
        "具有基本的生活与学习常识",
        "能在指导下完成简单、重复的任务",
        "在严格指导下工作，对自己的学习负责",
    ),
    (
        "4",
        "四级",
        "掌握某一领域的基础理论和专业知识",
        "能运用专业技能解决常见问题",
        "能在一般指导下独立工作，承担有限的管理职责",
    ),
    (
        "6",
        "六级",
        "系统掌握某一领域的理论知识并了解其前沿",
        "能综合运用知识与技能解决复杂问题",
        "能独立负责项目，指导他人工作",
    ),
    (
        "7",
        "七级",
        "精深掌握某一领域的专门知识",
        "能创造性地解决专业领域的复杂问题",
        "能领导团队，在专业领域作出独立判断",
    ),
];

pub async fn seed(app: &App) -> AppResult<()> {
    let centre = staff(app, "center_admin").await?;
    let actor = centre.actor("127.0.0.1");
    let news = portal::create_news(
        app,
        &centre,
        &NewsForm {
            title: format!("{}学习成果认定与转换工作启动", app.bank.short_name()),
            body: "## 工作安排\n\n各院校、培训机构请于本月底前完成**机构成果**的录入与认定申请；\
                   学习者可登录个人账户查看已存储的成果，并按已发布的转换规则申请转换。\n\n\
                   - 机构成果认定：综合管理部门在10个工作日内完成\n- 转换申请：目标机构在收到申请后10个工作日内审核\n\n\
                   详情见[转换规则](/rules)。"
                .into(),
        },
        &actor,
    )
    .await?;
    portal::news_action(app, &centre, news, "publish", &actor).await?;
    portal::create_news(
        app,
        &centre,
        &NewsForm {
            title: "（草稿）下半年培训计划".into(),
            body: "尚未发布的动态，只有管理中心可见。".into(),
        },
        &actor,
    )
    .await?;
    let name = app.bank.name();
    portal::save_page(
        app,
        &centre,
        "business",
        &format!(
            "## 学习成果认定\n\n{name}对学历教育、非学历教育和无一定形式的学习成果进行登记、认定，赋予学分。\n\n\
             ## 学习成果存储\n\n认定的学习成果存入学习者的终身学习账户，长期保存、随时查询、在线核验。\n\n\
             ## 学习成果转换\n\n按照各机构发布的转换规则，学习成果可转换为其他机构的课程学分或证书。"
        ),
        &actor,
    )
    .await?;
    portal::save_page(
        app,
        &centre,
        "about",
        &format!("{name}为每一位社会成员建立终身学习账户，推动各级各类学习成果的互认与衔接。"),
        &actor,
    )
    .await?;
    let mut level4 = None;
    for (level, name, knowledge, skills, competence) in LEVELS {
        let id = crate::portal::framework::save_level(
            app,
            &centre,
            &LevelForm {
                level: level.into(),
                name: name.into(),
                knowledge: knowledge.into(),
                skills: skills.into(),
                competence: competence.into(),
            },
            &actor,
        )
        .await?;
        if level == "4" {
            level4 = Some(id);
        }
    }
    let level4 = level4.map(|l| l.to_string()).unwrap_or_default();
    crate::portal::framework::add_standard(
        app,
        &centre,
        &StandardForm {
            code: "HY-DS-2026-01".into(),
            name: "电子商务运营人员能力标准".into(),
            industry: "电子商务".into(),
            level_id: level4.clone(),
        },
        None,
        &actor,
    )
    .await?;
    if let Some(maths) = store::catalog::first_named(&app.db.pool, "高等数学").await? {
        crate::portal::framework::place_outcome(app, &centre, maths, &level4, &actor).await?;
    }
    let learner = store::learners::by_id_number(&app.db.pool, &super::learner_id())
        .await?
        .map(Principal::Learner)
        .ok_or_else(AppError::not_found)?;
    let q = crate::portal::questions::ask(
        app,
        &learner,
        &AskForm {
            title: "已存储的课程成绩如何转换为其他学校的学分？".into(),
            body: "我在广东开放大学修读的高等数学已存入账户，想转换为另一所学校的课程学分。".into(),
        },
        &learner.actor("127.0.0.1"),
    )
    .await?;
    crate::portal::questions::answer(
        app,
        &centre,
        q,
        &AnswerForm {
            answer: "请在个人中心“成果转换”中查看该课程可用的转换规则，选择目标学校的规则提交申请；目标机构审核通过后，转换所得课程存入您的账户。".into(),
            publish: Some("1".into()),
        },
        &actor,
    )
    .await
}

async fn staff(app: &App, account: &str) -> AppResult<Principal> {
    let s = store::staff::by_account(&app.db.pool, "department", account)
        .await?
        .ok_or_else(AppError::not_found)?;
    crate::auth::account(app, domain::role::Role::Department, s.id)
        .await?
        .ok_or_else(AppError::not_found)
}
