//! Generates a benchmark data set for `jiuzhu verify`: a members roster and
//! department files in the layout of `datasets.md`, deterministic for a seed.
//!
//!     cargo run --release -p jiuzhu-verify --example gen_department_data -- \
//!         OUT_DIR MEMBERS HOUSEHOLDS DEPARTMENT_ROWS [SEED]
//!
//! About a fifth of department rows belong to members; the rest to other
//! residents. Amounts have up to two decimals; some vehicles are exempt
//! types, some properties not homes, some businesses closed.

use std::io::Write;

use chrono::NaiveDate;
use jiuzhu_domain::IdNumber;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn person(rng: &mut Rng, n: u64) -> String {
    // Distinct people for distinct n: the sequence number and birth date are
    // derived from n, the region from n too.
    let region = format!("3499{:02}", 1 + n % 20);
    let day = (n / 20) % 30_000;
    let birth = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + chrono::Days::new(day);
    let seq = ((n / 20 / 30_000) % 1000) as u16;
    let _ = rng;
    IdNumber::from_parts(&region, birth, seq).unwrap().to_string()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = std::path::PathBuf::from(&args[1]);
    let members: u64 = args[2].parse().unwrap();
    let households: u64 = args[3].parse().unwrap();
    let rows: u64 = args[4].parse().unwrap();
    let seed: u64 = args.get(5).map_or(7, |s| s.parse().unwrap());
    std::fs::create_dir_all(&out)?;
    let mut rng = Rng(seed);
    // Person numbers: members are 0..members; other residents follow.
    let population = members * 5;

    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(out.join("members.csv"))?);
    writeln!(w, "household_id,id_number")?;
    for m in 0..members {
        // Households of 1 to 5 members, numbered so the file is not sorted.
        let h = (m * 7919) % households;
        writeln!(w, "H{h:07},{}", person(&mut rng, m))?;
    }
    w.flush()?;

    let kinds: [(&str, &str, u64); 8] = [
        ("social_insurance", "id_number,period,employer_name,contribution_base_yuan", 40),
        ("pension", "id_number,period,monthly_amount_yuan,kind", 20),
        ("deposit", "id_number,institution,balance_yuan,as_of_date", 15),
        ("vehicle", "owner_id_number,plate_no,vehicle_type,registration_date", 8),
        ("real_estate", "owner_id_number,property_id,usage,area_m2,region_code", 7),
        ("business", "id_number,role,entity_name,registered_capital_yuan,status", 5),
        ("death", "id_number,name,death_date", 2),
        ("public_payroll", "id_number,unit_name,period", 3),
    ];
    let vehicle_types = ["小型轿车", "小型轿车", "摩托车", "货车", "残疾人专用车"];
    let usages = ["住宅", "住宅", "住宅", "商业", "车位", "办公"];
    let statuses = ["存续", "在业", "注销", "吊销", "开业"];
    for (kind, header, share) in kinds {
        let n = rows * share / 100;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(out.join(format!("{kind}.csv")))?);
        writeln!(w, "{header}")?;
        for i in 0..n {
            let who = if rng.below(5) == 0 { rng.below(members) } else { members + rng.below(population - members) };
            let id = person(&mut rng, who);
            let yuan = rng.below(800_000);
            match kind {
                "social_insurance" => {
                    writeln!(w, "{id},2025{:02},单位{},{}.{:02}", 1 + i % 12, i % 997, 1000 + yuan / 100, yuan % 100)?
                }
                "pension" => writeln!(w, "{id},2025{:02},{}.{:02},城乡居民", 1 + i % 12, 100 + yuan / 300, yuan % 100)?,
                "deposit" => writeln!(w, "{id},银行{},{}.{:02},2025-10-31", i % 13, yuan, yuan % 100)?,
                "vehicle" => {
                    writeln!(w, "{id},皖A{:05},{},2020-01-01", i % 100_000, vehicle_types[(yuan % 5) as usize])?
                }
                "real_estate" => writeln!(
                    w,
                    "{id},P{i},{},{}.{:02},349901",
                    usages[(yuan % 6) as usize],
                    20 + yuan % 200,
                    yuan % 100
                )?,
                "business" => writeln!(w, "{id},法人,企业{i},{},{}", yuan, statuses[(yuan % 5) as usize])?,
                "death" => writeln!(w, "{id},某人,2025-0{}-01", 1 + i % 9)?,
                _ => writeln!(w, "{id},单位{},2025{:02}", i % 100, 1 + i % 12)?,
            }
        }
        w.flush()?;
    }
    Ok(())
}
