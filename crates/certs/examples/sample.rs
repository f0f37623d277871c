//! Writes a sample signed certificate to `sample-certificate.pdf` (to look at it).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let facts = certs::Facts {
        number: "ZH2026112612345678".into(),
        kind: "conversion".into(),
        issuer: "职业教育国家学分银行".into(),
        issued_on: "2026-11-26".into(),
        learner: "欧阳喆堃".into(),
        id_number: "440106*****1235".into(),
        lines: vec![
            "转换规则：202611260001（高等数学转换工程数学）".into(),
            "转换：高等数学 → 工程数学".into(),
            "目标机构：广州番禺职业技术学院    转换日期：2026-11-26 12:00".into(),
        ],
        headers: ["源成果（课程）", "课程代码", "成绩", "学时", "学分"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: vec![
            vec![
                "高等数学".into(),
                "MATH101".into(),
                "85".into(),
                "64".into(),
                "4".into(),
            ],
            vec![
                "经济统计学毕业证书（本科）国家开放大学经济管理学院统计与数据科学方向".into(),
                "ECON-2019-SPRING".into(),
                "优秀".into(),
                "128".into(),
                "2.5".into(),
            ],
        ],
        verify_url: "http://127.0.0.1:8080/verify?number=ZH2026112612345678".into(),
    };
    let pdf = certs::sign(certs::render(&facts, true)?, &facts, &certs::generate_key());
    std::fs::write("sample-certificate.pdf", pdf)?;
    Ok(())
}
