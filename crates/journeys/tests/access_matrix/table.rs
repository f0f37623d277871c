//! Who gets in where: one row per route and method (some routes twice, with a row of
//! another kind), the principals allowed, everyone else refused.

/// The principals, one bit each.
pub const ANON: u16 = 1;
pub const LA: u16 = 1 << 1;
pub const LB: u16 = 1 << 2;
/// Institution X (广东开放大学), its sub-user with only 成果及学员管理, institution Y.
pub const X: u16 = 1 << 3;
pub const XS: u16 = 1 << 4;
pub const Y: u16 = 1 << 5;
/// The department of X's province, another province's, the bank centre.
pub const DX: u16 = 1 << 6;
pub const DO: u16 = 1 << 7;
pub const C: u16 = 1 << 8;
pub const E: u16 = 1 << 9;

pub const NOBODY: u16 = 0;
pub const ALL: u16 = (1 << 10) - 1;
pub const LEARNERS: u16 = LA | LB;
pub const INST: u16 = X | XS | Y;
pub const PRIMARY: u16 = X | Y;
pub const DEPTS: u16 = DX | DO | C;
pub const SIGNED: u16 = ALL & !ANON;

pub struct Row {
    pub method: &'static str,
    /// The route as the router declares it.
    pub route: &'static str,
    /// The path requested: the route with `{id}` replaced by the fixture, other
    /// parameters written out.
    pub path: &'static str,
    pub fixture: Option<&'static str>,
    pub allowed: u16,
    /// Form fields sent with a POST (`{id}` replaced too).
    pub fields: &'static [(&'static str, &'static str)],
    /// The change can happen only once (a deletion): only the first allowed principal
    /// is tried.
    pub once: bool,
}

fn r(method: &'static str, route: &'static str, fixture: &'static str, allowed: u16) -> Row {
    Row {
        method,
        route,
        path: route,
        fixture: (!fixture.is_empty()).then_some(fixture),
        allowed,
        fields: &[],
        once: false,
    }
}

fn g(route: &'static str, fixture: &'static str, allowed: u16) -> Row {
    r("GET", route, fixture, allowed)
}

fn p(route: &'static str, fixture: &'static str, allowed: u16) -> Row {
    r("POST", route, fixture, allowed)
}

impl Row {
    fn at(mut self, path: &'static str) -> Row {
        self.path = path;
        self
    }
    fn with(mut self, fields: &'static [(&'static str, &'static str)]) -> Row {
        self.fields = fields;
        self
    }
    fn once(mut self) -> Row {
        self.once = true;
        self
    }
}

pub fn rows() -> Vec<Row> {
    let mut t = public();
    t.extend(learner());
    t.extend(institution());
    t.extend(department());
    t.extend(expert());
    t.extend(spaces());
    t.extend(api());
    // Last: it ends the session of whoever calls it.
    t.push(p("/logout", "", ALL));
    t
}

fn public() -> Vec<Row> {
    vec![
        g("/", "", ALL),
        g("/about", "", ALL),
        g("/business", "", ALL),
        g("/agreement", "", ALL),
        g("/pledge", "", ALL),
        g("/news", "", ALL),
        g("/news/{id}", "news", ALL),
        g("/institutions", "", ALL),
        g("/institutions/{id}", "inst_x", ALL),
        g("/institutions/{id}", "inst_pending", NOBODY),
        g("/framework", "", ALL),
        g("/framework/{id}", "level", ALL),
        g("/standards", "", ALL),
        g("/catalog", "", ALL),
        g("/catalog/{id}", "outcome_x_recognised", ALL),
        // The catalog shows every outcome with its 认定状态.
        g("/catalog/{id}", "outcome_x", ALL),
        g("/rules", "", ALL),
        g("/rules/{id}", "rule_published", ALL),
        g("/rules/{id}", "rule_draft", NOBODY),
        g("/qa", "", ALL),
        g("/qa/{id}", "question_published", ALL),
        g("/qa/{id}", "question_a", LA | C),
        g("/qa/mine", "", SIGNED),
        g("/qa/ask", "", SIGNED),
        p("/qa/ask", "", SIGNED),
        g("/verify", "", ALL),
        g("/healthz", "", ALL),
        g("/readyz", "", ALL),
        g("/verify/public-key", "", ALL),
        p("/verify", "", ALL),
        g("/.well-known/did.json", "", ALL),
        g("/ctdl/rules", "", ALL),
        g("/ctdl/rules/{id}", "rule_published", ALL),
        g("/ctdl/rules/{id}", "rule_draft", NOBODY),
        g("/ctdl/catalog", "", ALL),
        g("/ctdl/catalog/{id}", "outcome_x", ALL),
        g("/did.json", "", ALL),
        g("/credentials/status/{list}", "", ALL).at("/credentials/status/1"),
        // A credential's address shows what verifying it finds; an unknown number is found by nobody.
        g("/credentials/{number}", "", NOBODY).at("/credentials/OB0"),
        g("/static/app.css", "", ALL),
        g("/static/app.js", "", ALL),
        g("/static/favicon.svg", "", ALL),
        g("/static/statistics.js", "", ALL),
        g("/static/vendor/echarts.min.js", "", ALL),
        g("/favicon.ico", "", ALL),
        g("/login/{role}", "", ALL).at("/login/learner"),
        p("/login/{role}", "", ALL).at("/login/learner"),
        g("/password/forgot", "", ALL),
        p("/password/forgot", "", ALL),
        p("/sms/send", "", ALL),
        p("/captcha/new", "", ALL),
        g("/captcha/{file}", "", NOBODY).at("/captcha/nothing.png"),
        g("/dev/outbox", "", NOBODY),
        g("/register/learner", "", ALL),
        p("/register/learner", "", ALL),
        g("/register/institution", "", ALL),
        p("/register/institution", "", ALL),
        g("/register/institution/directory", "", ALL),
        // The registration goes on signed in as the registered account.
        g("/register/institution/status", "", INST),
        g("/register/institution/registrant", "", PRIMARY),
        p("/register/institution/registrant", "", PRIMARY),
        g("/register/institution/info", "", PRIMARY),
        p("/register/institution/info", "", PRIMARY),
        // 国开学生账户激活 is the Open University's: not in this bank.
        g("/activate", "", NOBODY),
        p("/activate", "", NOBODY),
        p("/activate/email", "", NOBODY),
        p("/activate/resend", "", NOBODY),
        g("/activate/confirm", "", NOBODY),
        // Files: a published rule's document is public; a draft's only Y's rule managers;
        // a conversion application's materials whoever may see the application; a
        // certificate its learner; an import file its institution's outcome managers.
        g("/files/{id}", "file_rule_draft", Y),
        g("/files/{id}", "file_application_a", LA | Y | DX | C | E),
        g("/files/{id}", "file_certificate_a", LA),
        g("/files/{id}", "file_job_x", X | XS),
    ]
}

fn learner() -> Vec<Row> {
    vec![
        g("/learner", "", LEARNERS),
        g("/learner/complete", "", LEARNERS),
        p("/learner/complete", "", LEARNERS),
        g("/learner/credits", "", LEARNERS),
        g("/learner/certificates", "", LEARNERS),
        p("/learner/certificates", "", LEARNERS),
        g("/learner/outcomes", "", LEARNERS),
        p("/learner/outcomes/action", "", LEARNERS),
        g("/learner/outcomes/new", "", LEARNERS),
        g("/learner/outcomes/new/{subtype}", "subtype", LEARNERS),
        p("/learner/outcomes/new/{subtype}", "subtype", LEARNERS),
        g("/learner/outcomes/{id}", "holding_a", LA),
        g("/learner/outcomes/{id}", "holding_b", LB),
        g("/learner/outcomes/{id}/edit", "holding_b", LB),
        p("/learner/outcomes/{id}/edit", "holding_b", LB),
        p("/learner/outcomes/{id}/files", "holding_b", LB),
        g("/learner/outcomes/{id}/feedback", "holding_a_stored", LA),
        g("/learner/outcomes/{id}/credential", "holding_a_stored", LA),
        g("/learner/credentials/clr", "", LEARNERS),
        p("/learner/outcomes/{id}/feedback", "holding_a_stored", LA),
        g("/learner/recognition", "", LEARNERS),
        p("/learner/recognition", "", LEARNERS),
        g("/learner/conversions", "", LEARNERS),
        g("/learner/conversions/rules", "", LEARNERS),
        p("/learner/conversions/apply", "rule_published", LEARNERS).with(&[("rule", "{id}")]),
        p("/learner/conversions/{id}/certificate", "application_a", LA),
        g("/learner/rules/{id}", "rule_published", LEARNERS),
        g("/learner/rules/{id}", "rule_draft", NOBODY),
        g("/learner/performance", "", LEARNERS),
        p("/learner/performance", "work_a", LA).with(&[("outcome", "{id}")]),
        g("/learner/performance/apply", "work_a", LA).at("/learner/performance/apply?outcome={id}"),
        g("/learner/performance/{id}", "performance_a", LA),
    ]
}

fn institution() -> Vec<Row> {
    vec![
        g("/institution", "", INST),
        g("/institution/password", "", INST),
        p("/institution/password", "", INST),
        g("/institution/profile", "", PRIMARY),
        p("/institution/profile", "", PRIMARY),
        g("/institution/users", "", PRIMARY),
        p("/institution/users", "", PRIMARY),
        g("/institution/users/{id}/edit", "user_x_second", X),
        p("/institution/users/{id}/edit", "user_x_second", X),
        p("/institution/users/{id}/{action}", "user_x_second", X).at("/institution/users/{id}/enable"),
        g("/institution/api-keys", "", PRIMARY),
        p("/institution/api-keys", "", PRIMARY),
        p("/institution/api-keys/{id}/revoke", "key_x", X),
        g("/institution/outcomes", "", INST),
        p("/institution/outcomes/delete", "", INST),
        p("/institution/outcomes/export", "", INST),
        g("/institution/outcomes/new", "", INST),
        g("/institution/outcomes/new/{subtype}", "subtype_course", INST),
        p("/institution/outcomes/new/{subtype}", "subtype_course", INST),
        g("/institution/outcomes/template/{subtype}", "subtype_course", INST),
        g("/institution/outcomes/import", "", INST),
        p("/institution/outcomes/import", "", INST),
        g("/institution/outcomes/{id}", "outcome_x", X | XS),
        p("/institution/outcomes/{id}/recognition", "outcome_x", X | XS),
        g("/institution/outcomes/{id}/store", "outcome_x_recognised", X | XS),
        p("/institution/outcomes/{id}/store", "outcome_x_recognised", X | XS),
        p("/institution/outcomes/{id}/import", "outcome_x_recognised", X | XS),
        g("/institution/holdings-template", "", INST),
        g("/institution/imports", "", INST),
        g("/institution/jobs/{id}", "job_x", X | XS),
        g("/institution/learners", "", INST),
        p("/institution/learners", "", INST),
        p("/institution/learners/export", "", INST),
        p("/institution/learners/import", "", INST),
        g("/institution/learners/template", "", INST),
        g("/institution/learners/{id}", "learner_imported", X | XS),
        g("/institution/learners/{id}/edit", "learner_imported", X | XS),
        p("/institution/learners/{id}/edit", "learner_imported", X | XS),
        p("/institution/learners/{id}/delete", "learner_x_spare", X | XS).once(),
        g("/institution/learner-outcomes", "", INST),
        p("/institution/learner-outcomes/export", "", INST),
        p("/institution/learner-outcomes/withdraw", "", INST),
        g("/institution/learner-outcomes/{id}", "holding_a_stored", X | XS),
        g("/institution/methods", "", PRIMARY),
        p("/institution/methods", "", PRIMARY),
        p("/institution/methods/pledge", "", PRIMARY),
        p("/institution/methods/{id}/edit", "method_y", Y),
        p("/institution/methods/{id}/{action}", "method_y", Y).at("/institution/methods/{id}/publish"),
        g("/institution/rules", "", PRIMARY),
        g("/institution/rules/new", "", PRIMARY),
        p("/institution/rules/new", "", PRIMARY),
        g("/institution/rules/{id}", "rule_draft", Y),
        g("/institution/rules/{id}", "rule_published", X | Y),
        g("/institution/rules/{id}/edit", "rule_draft", Y),
        p("/institution/rules/{id}/edit", "rule_draft", Y),
        p("/institution/rules/{id}/{action}", "rule_draft", Y).at("/institution/rules/{id}/withdraw"),
        g("/institution/rules/{id}/batch", "rule_published", X),
        p("/institution/rules/{id}/batch", "rule_published", X),
        g("/institution/conversions/review", "", PRIMARY),
        p("/institution/conversions/review", "", PRIMARY),
        g("/institution/conversions/records", "", PRIMARY),
        p("/institution/conversions/export", "", PRIMARY),
        g("/institution/performance", "", PRIMARY),
        p("/institution/performance", "", PRIMARY),
        g("/institution/performance/{id}", "performance_a", X),
    ]
}

fn department() -> Vec<Row> {
    vec![
        g("/department", "", DEPTS),
        g("/department/audit", "", C),
        g("/department/institutions", "", DEPTS),
        g("/department/institutions/pending", "", DEPTS),
        g("/department/institutions/{id}", "inst_x", DX | C),
        p("/department/institutions/{id}/decision", "inst_pending", DX | C),
        g("/department/learners/review", "", DEPTS),
        p("/department/learners/{id}/review", "learner_review", DX | C),
        g("/department/learners/template", "", DEPTS),
        g("/department/learners/import", "", DEPTS),
        p("/department/learners/import", "", DEPTS),
        g("/department/jobs/{id}", "job_gd", DX | C),
        g("/department/catalog", "", DEPTS),
        p("/department/catalog/{id}", "outcome_x_recognising", DX | C),
        p("/department/catalog/{id}/level", "outcome_x_recognised", DX | C),
        g("/department/recognition", "", DEPTS),
        p("/department/recognition", "", DEPTS),
        g("/department/storage", "", DEPTS),
        p("/department/storage", "", DEPTS),
        g("/department/outcomes/{id}", "holding_a", DX | C),
        g("/department/outcomes/{id}", "holding_b", C),
        g("/department/conversions", "", DEPTS),
        p("/department/conversions", "", DEPTS),
        g("/department/rules", "", DEPTS),
        g("/department/rules/{id}", "rule_published", DX | C),
        p("/department/rules/{id}/take-down", "rule_published", DX | C),
        g("/department/statistics", "", DEPTS),
        g("/department/statistics/export", "", DEPTS),
        g("/department/sync", "", C),
        g("/department/taxonomy", "", DEPTS),
        p("/department/taxonomy", "", C),
        g("/department/taxonomy/{id}", "subtype", DEPTS),
        p("/department/taxonomy/{id}/fields", "subtype", C),
        p("/department/taxonomy/{id}/restricted", "subtype", C),
        p("/department/taxonomy/fields/{id}", "field", C),
        g("/department/authorisations", "", DEPTS),
        // A province authorises its own institutions only.
        p("/department/authorisations", "inst_x", DX | C).with(&[
            ("institution", "{id}"),
            ("subtype", "1"),
            ("grant", ""),
        ]),
        g("/department/framework", "", C),
        p("/department/framework", "", C),
        p("/department/framework/{id}/delete", "level_spare", C),
        g("/department/standards", "", C),
        p("/department/standards", "", C),
        p("/department/standards/{id}/delete", "standard", C),
        g("/department/news", "", C),
        g("/department/news/new", "", C),
        p("/department/news/new", "", C),
        g("/department/news/{id}", "news", C),
        p("/department/news/{id}", "news", C),
        p("/department/news/{id}/action", "news", C),
        g("/department/pages/{slug}", "", C).at("/department/pages/about"),
        p("/department/pages/{slug}", "", C).at("/department/pages/about"),
        g("/department/questions", "", C),
        g("/department/questions/{id}", "question_a", C),
        p("/department/questions/{id}", "question_a", C),
    ]
}

fn expert() -> Vec<Row> {
    vec![
        g("/expert", "", E),
        g("/expert/recognition", "", E),
        p("/expert/recognition", "", E),
        g("/expert/outcomes/{id}", "holding_expert", E),
        g("/expert/conversions", "", E),
        p("/expert/conversions", "", E),
        g("/expert/performance", "", E),
        p("/expert/performance", "", E),
        // Not yet through its 初审: not the expert's.
        g("/expert/performance/{id}", "performance_a", NOBODY),
    ]
}

/// Messages, reports, settings and application details in each signed-in space.
fn spaces() -> Vec<Row> {
    vec![
        g("/learner/messages", "", LEARNERS),
        p("/learner/messages/read-all", "", LEARNERS),
        g("/learner/messages/{id}", "message_a", LA),
        g("/institution/messages", "", PRIMARY),
        p("/institution/messages/read-all", "", PRIMARY),
        g("/institution/messages/{id}", "message_x", X),
        g("/department/messages", "", DEPTS),
        p("/department/messages/read-all", "", DEPTS),
        g("/department/messages/{id}", "message_dept", C),
        g("/expert/messages", "", E),
        p("/expert/messages/read-all", "", E),
        g("/expert/messages/{id}", "message_expert", E),
        g("/learner/feedback", "", LEARNERS),
        g("/learner/feedback/{id}", "feedback_a", LA),
        p("/learner/feedback/{id}", "feedback_a", NOBODY),
        g("/institution/feedback", "", INST),
        g("/institution/feedback/{id}", "feedback_a", X | XS),
        p("/institution/feedback/{id}", "feedback_a", X | XS),
        g("/department/feedback", "", DEPTS),
        g("/department/feedback/{id}", "feedback_a", NOBODY),
        p("/department/feedback/{id}", "feedback_a", NOBODY),
        g("/learner/conversions/{id}", "application_a", LA),
        p("/learner/conversions/{id}", "application_a", NOBODY),
        g("/institution/conversions/{id}", "application_a", Y),
        p("/institution/conversions/{id}", "application_a", Y),
        g("/department/conversions/{id}", "application_a", DX | C),
        p("/department/conversions/{id}", "application_a", DX | C),
        g("/expert/conversions/{id}", "application_a", E),
        p("/expert/conversions/{id}", "application_a", E),
        g("/learner/settings", "", LEARNERS),
        g("/institution/settings", "", INST),
        g("/department/settings", "", DEPTS),
        g("/expert/settings", "", E),
        p("/learner/settings/password", "", LEARNERS),
        p("/institution/settings/password", "", INST),
        p("/department/settings/password", "", DEPTS),
        p("/expert/settings/password", "", E),
        p("/learner/settings/mobile", "", LEARNERS),
        p("/institution/settings/mobile", "", INST),
        p("/department/settings/mobile", "", DEPTS),
        p("/expert/settings/mobile", "", E),
        p("/learner/settings/avatar", "", LEARNERS),
        p("/institution/settings/avatar", "", INST),
        p("/department/settings/avatar", "", DEPTS),
        p("/expert/settings/avatar", "", E),
    ]
}

/// `/api/v1` with the browser session (keys get the same checks: `api.rs`).
fn api() -> Vec<Row> {
    vec![
        g("/api/v1/openapi.json", "", ALL),
        g("/api/v1/docs", "", ALL),
        g("/api/v1/docs/init.js", "", ALL),
        g("/api/v1/docs/swagger-ui.css", "", ALL),
        g("/api/v1/docs/swagger-ui-bundle.js", "", ALL),
        g("/api/v1/certificates/verify", "", ALL),
        p("/api/v1/credentials/verify", "", ALL),
        p("/api/v1/verify", "", ALL),
        r("ANY", "/api", "", NOBODY),
        r("ANY", "/api/{*rest}", "", NOBODY).at("/api/v2/anything"),
        g("/api/v1/me", "", SIGNED),
        g("/api/v1/messages", "", SIGNED & !XS),
        g("/api/v1/department/institutions", "", DEPTS),
        g("/api/v1/institution/outcomes", "", INST),
        p("/api/v1/institution/outcomes", "", INST),
        g("/api/v1/institution/outcomes/{id}", "outcome_x", X | XS),
        r("DELETE", "/api/v1/institution/outcomes/{id}", "outcome_x_spare", X | XS).once(),
        g("/api/v1/institution/learners", "", INST),
        p("/api/v1/institution/learners", "", INST),
        g("/api/v1/institution/learners/{id}", "learner_imported", X | XS),
        r("PUT", "/api/v1/institution/learners/{id}", "learner_imported", X | XS),
        r(
            "DELETE",
            "/api/v1/institution/learners/{id}",
            "learner_x_spare_api",
            X | XS,
        )
        .once(),
        g("/api/v1/institution/learner-outcomes", "", INST),
        p("/api/v1/institution/learner-outcomes", "", INST),
        g("/api/v1/institution/learner-outcomes/{id}", "holding_a_stored", X | XS),
        p(
            "/api/v1/institution/learner-outcomes/{id}/withdraw",
            "holding_a_stored",
            X | XS,
        ),
        g("/api/v1/institution/imports", "", INST),
        p("/api/v1/institution/imports", "", INST),
        g("/api/v1/institution/jobs/{id}", "job_x", X | XS),
        g("/api/v1/institution/files/{id}", "file_job_x", X | XS),
        g("/api/v1/institution/rules", "", PRIMARY),
        p("/api/v1/institution/rules", "", PRIMARY),
        g("/api/v1/institution/rules/{id}", "rule_draft", Y),
        p("/api/v1/institution/rules/{id}/publish", "rule_published", Y),
        p("/api/v1/institution/rules/{id}/withdraw", "rule_draft", Y),
        g("/api/v1/institution/applications", "", PRIMARY),
        p("/api/v1/institution/applications/{id}/decision", "application_a", Y),
        g("/api/v1/institution/outcomes.xlsx", "", INST),
        g("/api/v1/institution/learners.xlsx", "", INST),
        g("/api/v1/institution/learner-outcomes.xlsx", "", INST),
        g("/api/v1/institution/applications.xlsx", "", PRIMARY),
    ]
}
