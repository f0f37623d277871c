//! The files of `bench import`, as institutions send them: people in no order (random ID
//! numbers over 40 districts and 40 years of birth dates), some already in the bank, cells
//! as people type them (spaces, full-width digits, a lower-case x, dates as Excel numbers
//! or in four spellings, blank scores), 0.2 % rows that must be refused and 0.2 % rows
//! that repeat an earlier person. Everything follows from the row's number, so the floor
//! knows what the import will write without asking the database.

use std::path::Path;

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵解强柴华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫来嵺苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬屠连郜晏栾郁商蒙计喻揭窦迟宇敖糜鄢冷卓花仇艾蓝都巩稽井练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠僧桑荆谌银扬明沙薄伏岑习胥保和蔺";
const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰梅建文辉力永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘";
/// Real district codes (first six digits of an ID number).
const DISTRICTS: [&str; 40] = [
    "110101", "110105", "110108", "120101", "130102", "140105", "150102", "210102", "220102", "230102", "310101",
    "310104", "310115", "320102", "320506", "330106", "340102", "350102", "360102", "370102", "370202", "410105",
    "420106", "430104", "440103", "440106", "440305", "450103", "460106", "500103", "510104", "520102", "530102",
    "540102", "610104", "620102", "630102", "640104", "650102", "440606",
];
/// Days of birth: 40 years from 1965-01-01.
const DAYS: u64 = 14_610;
/// District × day × three-digit sequence: every ID number the generator can give.
const SPACE: u64 = 40 * DAYS * 1_000;
/// A prime not dividing SPACE: person k ↦ k × STEP mod SPACE scatters people over the
/// space and never gives two people one number.
const STEP: u64 = 2_654_435_761;
/// Rows of a file that repeat the row this many rows above.
const DUPLICATE_BACK: usize = 7;

pub const HEAD: [&str; 6] = [
    "*学员姓名",
    "证件类型",
    "*证件号码",
    "*个人成果编号",
    "*颁证日期",
    "成绩",
];

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Person k: a name and a valid resident ID number of its own.
pub fn person(k: u64) -> (String, String) {
    let p = ((k % SPACE) as u128 * STEP as u128 % SPACE as u128) as u64;
    let (district, rest) = ((p % 40) as usize, p / 40);
    let (day, seq) = (rest % DAYS, rest / DAYS);
    let born = chrono::NaiveDate::from_ymd_opt(1965, 1, 1).unwrap_or_default() + chrono::Duration::days(day as i64);
    let first17 = format!("{}{}{seq:03}", DISTRICTS[district], born.format("%Y%m%d"));
    let check = domain::id_card::check_char(first17.as_bytes()).unwrap_or(b'0') as char;
    let h = mix(k);
    let pick = |s: &str, n: u64| s.chars().nth((n % s.chars().count() as u64) as usize).unwrap_or('王');
    let mut name = format!("{}{}", pick(SURNAMES, h), pick(GIVEN, h >> 16));
    if h & (1 << 40) != 0 {
        name.push(pick(GIVEN, h >> 24));
    }
    (name, format!("{first17}{check}"))
}

/// What row `i` (0 = the first data row) of a file for a bank of `bank` people is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Someone the bank does not know yet: person `bank + i`.
    New(u64),
    /// Someone already in the bank: person k < bank.
    Existing(u64),
    /// A row the import must refuse.
    Bad,
    /// The person of row `i - DUPLICATE_BACK` again.
    Duplicate,
}

pub fn kind(i: usize, bank: u64) -> Kind {
    match i % 500 {
        250 => Kind::Bad,
        499 => Kind::Duplicate,
        // One row in ten is someone the bank holds already, each of them once.
        _ if bank > 0 && (i as u64) < bank && mix(i as u64 ^ 0xA5A5).is_multiple_of(10) => {
            Kind::Existing((i as u64).wrapping_mul(7_919) % bank)
        }
        _ => Kind::New(bank + i as u64),
    }
}

/// The person row `i` writes, for the rows that write one.
pub fn person_of(i: usize, bank: u64) -> Option<u64> {
    match kind(i, bank) {
        Kind::New(k) | Kind::Existing(k) => Some(k),
        Kind::Bad | Kind::Duplicate => None,
    }
}

/// One cell: text, or a number as Excel stores a date or a score typed into a general cell.
pub enum Cell {
    Text(String),
    Number(f64),
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// An ID number as people type it.
fn messy_id(id: &str, h: u64) -> String {
    match h % 20 {
        0 => id
            .chars()
            .map(|c| c.to_digit(10).map_or(c, |d| char::from_u32(0xFF10 + d).unwrap_or(c)))
            .collect(),
        1 => format!(" {id} "),
        2 => format!("{} {} {}", &id[..6], &id[6..14], &id[14..]),
        _ => id.to_lowercase(),
    }
}

/// Row `i` of the file, its cells in the template's order.
pub fn row(i: usize, bank: u64) -> Vec<Cell> {
    let h = mix(i as u64 ^ 0x5EED);
    let day =
        chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default() + chrono::Duration::days((h % 3_000) as i64);
    let date = match (h >> 8) % 10 {
        0..=3 => {
            Cell::Number((day - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default()).num_days() as f64)
        }
        4 | 5 => text(day.format("%Y/%-m/%-d").to_string()),
        6 => text(day.format("%Y年%-m月%-d日").to_string()),
        7 => text(day.format("%Y%m%d").to_string()),
        _ => text(day.format("%Y-%m-%d").to_string()),
    };
    let score = match (h >> 16) % 5 {
        0 => text(""),
        1 => text(format!(" {}.5 ", 60 + h % 40)),
        _ => Cell::Number((60 + (h >> 20) % 41) as f64),
    };
    let number = if (h >> 24).is_multiple_of(20) {
        format!("ZS{i:08}  ")
    } else {
        format!("ZS{i:08}")
    };
    let kind_cell = if (h >> 28).is_multiple_of(3) {
        "居民身份证"
    } else {
        ""
    };
    let (name, id) = match kind(i, bank) {
        Kind::Duplicate => person(person_of(i - DUPLICATE_BACK, bank).unwrap_or(0)),
        _ => person(person_of(i, bank).unwrap_or(bank + i as u64)),
    };
    let name = if (h >> 32).is_multiple_of(20) {
        format!(" {name}\u{3000}")
    } else {
        name
    };
    let mut cells = vec![
        text(name),
        text(kind_cell),
        text(messy_id(&id, h >> 36)),
        text(number),
        date,
        score,
    ];
    if kind(i, bank) == Kind::Bad {
        // What goes wrong in real files: a mistyped digit, a lost name, a date Excel could
        // not read, a number Excel turned into 4.4E+17.
        cells[match (i / 500) % 4 {
            0 => 2,
            1 => 0,
            2 => 4,
            _ => 2,
        }] = match (i / 500) % 4 {
            0 => text(format!("{}{}", &id[..16], (id.as_bytes()[16] - b'0' + 1) % 10)),
            1 => text(""),
            2 => text("2023-13-45"),
            _ => text(format!("{:.5E}", id[..17].parse::<f64>().unwrap_or(0.0))),
        };
    }
    cells
}

/// Rows the import must store and rows it must refuse, of an n-row file.
pub fn expected(n: usize, bank: u64) -> (usize, usize) {
    let refused = (0..n).filter(|&i| person_of(i, bank).is_none()).count();
    (n - refused, refused)
}

/// Writes an n-row file the way Excel does (shared strings), rows streamed to disk.
pub fn generate(path: &Path, n: usize, bank: u64) -> anyhow::Result<()> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet_with_low_memory();
    for (c, h) in HEAD.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for i in 0..n {
        for (c, v) in row(i, bank).into_iter().enumerate() {
            match v {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    sheet.write_string(i as u32 + 1, c as u16, s)?;
                }
                Cell::Number(f) => {
                    sheet.write_number(i as u32 + 1, c as u16, f)?;
                }
            }
        }
    }
    book.save(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_distinct_and_valid() {
        let mut seen = std::collections::HashSet::new();
        for k in 0..200_000 {
            let (name, id) = person(k);
            assert!(domain::name::PersonName::parse(&name).is_ok(), "{name}");
            assert!(domain::id_card::IdNumber::resident(&id).is_ok(), "{id}");
            assert!(seen.insert(id), "person {k} repeats a number");
        }
    }

    #[test]
    fn messy_ids_still_read_as_the_same_number() {
        let (_, id) = person(42);
        for h in 0..20 {
            let parsed = domain::id_card::IdNumber::resident(&messy_id(&id, h)).map(|n| n.as_str().to_string());
            assert_eq!(parsed.as_deref(), Ok(id.as_str()), "variant {h}");
        }
    }

    #[test]
    fn the_file_refuses_what_it_says() {
        let (stored, refused) = expected(10_000, 1_000_000);
        assert_eq!((stored, refused), (9_960, 40));
        assert!((0..10_000).any(|i| matches!(kind(i, 1_000_000), Kind::Existing(_))));
    }
}
