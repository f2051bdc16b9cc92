//! Periodic reports benchmark (issue 14 item 5). Prints figures; asserts nothing.
//!
//! Makes 5 districts with 99 communes each (500 agencies, each with a leader), sends them a
//! round of a form with three number fields and a five-row table of two number columns, has
//! every agency fill it in and send it, then times `RUNS` times the round's totals query alone
//! and the whole overview the higher agency reads (counts, totals, per-agency numbers), and
//! prints p50/p95/p99.
//!
//! `cargo run --release -p egov --example reports_bench -- sqlite:///tmp/r/egov.db 200`
//! (a fresh database; PostgreSQL URLs work too).
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run
use std::time::{Duration, Instant};

use egov_domain::reporting::{Definition, Value, Values};
use egov_service::org::AgencyInput;
use egov_service::users::NewUserInput;
use egov_service::work::reports::{FormChoice, RoundInput};
use egov_service::{Argon2Cost, Caller, ServiceSettings, Services};
use egov_storage::Store;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len().max(1) as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn report(label: &str, mut lat: Vec<Duration>) {
    lat.sort_unstable();
    println!(
        "{label}: {} runs; p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        percentile(&lat, 0.50),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0)
    );
}

async fn caller(s: &Services, username: &str) -> Caller {
    let id = s.user_id_by_username(&Caller::system("bench"), username).await.expect("user");
    Caller { actor: s.actor(id, None).await.expect("actor"), ip: None, session_id: None, token_id: None }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "sqlite:///tmp/egov-reports-bench/egov.db".into());
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(200);
    if let Some(path) = url.strip_prefix("sqlite://") {
        if let Some(dir) = std::path::Path::new(path).parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
    }
    let store = Store::open(&url, 16, true).await.expect("open the database");
    let dir = std::env::temp_dir().join("egov-reports-bench");
    let settings = ServiceSettings {
        files_dir: dir.join("files"),
        pki_dir: dir.join("pki"),
        argon2: Argon2Cost { memory_kib: 1024, iterations: 1, parallelism: 1 },
        ..ServiceSettings::default()
    };
    let s = Services::new(store.clone(), settings).expect("services");
    s.seed_demo().await.expect("demo seed");
    s.reload_calendar().await.expect("calendar");
    let sys = Caller::system("bench");
    let province = s.agencies(&sys, None, 1).await.unwrap()[0].id;

    let started = Instant::now();
    let mut agencies = Vec::new();
    for d in 1..=5 {
        let code = format!("H41.9{d}");
        let name = format!("Ủy ban nhân dân huyện Thử {d}");
        let district = s
            .create_agency(
                &sys,
                &AgencyInput {
                    code: &code,
                    name: &name,
                    short_name: None,
                    level: "district",
                    parent_id: Some(province),
                },
            )
            .await
            .unwrap();
        agencies.push((district.id, format!("bench.h{d}")));
        for c in 1..=99 {
            let code = format!("H41.9{d}.{c:02}");
            let name = format!("Ủy ban nhân dân xã Thử {d}-{c}");
            let a = s
                .create_agency(
                    &sys,
                    &AgencyInput {
                        code: &code,
                        name: &name,
                        short_name: None,
                        level: "commune",
                        parent_id: Some(district.id),
                    },
                )
                .await
                .unwrap();
            agencies.push((a.id, format!("bench.x{d}.{c}")));
        }
    }
    for (id, username) in &agencies {
        s.create_user(
            &sys,
            &NewUserInput {
                username,
                full_name: "Người Thử Nghiệm",
                email: None,
                phone: None,
                agency_id: *id,
                unit_id: None,
                position: Some("head"),
                roles: vec!["leader".into()],
                password: egov_service::demo::DEMO_PASSWORD,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    }
    println!("{} agencies with their leaders made in {:.1} s", agencies.len(), started.elapsed().as_secs_f64());

    let definition = Definition::from_lines(
        "households|Tổng số hộ|number\npoor|Hộ nghèo|number\narea|Diện tích|number|1\n\
         villages|Theo thôn|table|name=Thôn:text;poor=Hộ nghèo:number;area=Diện tích:number:1",
        "villages.poor = poor",
    )
    .unwrap();
    let office = caller(&s, "lanhdao").await;
    let office_agency = office.actor.agency_id;
    let round = s
        .create_report_round(
            &office,
            office_agency,
            &RoundInput {
                form: FormChoice::New {
                    title: "Báo cáo tình hình hộ nghèo",
                    period: "monthly",
                    deadline_days: "5",
                    definition,
                },
                period_date: &egov_service::documents::today().to_string(),
                agencies: agencies.iter().map(|a| a.0).collect(),
                level: None,
            },
        )
        .await
        .unwrap();
    let view = s.report_round(&office, round).await.unwrap();
    let started = Instant::now();
    for (i, line) in view.lines.iter().enumerate() {
        let leader = caller(&s, &agencies.iter().find(|a| a.0 == line.submission.agency_id).unwrap().1).await;
        let mut values = Values::new();
        let rows: Vec<_> = (1..=5)
            .map(|r| {
                [("name", format!("Thôn {r}")), ("poor", format!("{}", i % 7 + r)), ("area", format!("{r},5"))]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect()
            })
            .collect();
        let poor: usize = (1..=5).map(|r| i % 7 + r).sum();
        values.insert("households".into(), Value::Text(format!("{}", 1000 + i)));
        values.insert("poor".into(), Value::Text(poor.to_string()));
        values.insert("area".into(), Value::Text("12,5".into()));
        values.insert("villages".into(), Value::Rows(rows));
        let (revision, problems) = s.save_report_draft(&leader, line.submission.id, &values, false).await.unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        s.send_report(&leader, line.submission.id, revision).await.unwrap();
    }
    println!("{} submissions filled in and sent in {:.1} s", view.lines.len(), started.elapsed().as_secs_f64());

    let mut lat = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut c = store.read().await.unwrap();
        let t = Instant::now();
        let totals = egov_storage::reports::totals(&mut c, round).await.unwrap();
        lat.push(t.elapsed());
        assert_eq!(totals.len(), 5);
    }
    report("totals query (500 agencies)", lat);
    let mut lat = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let v = s.report_round(&office, round).await.unwrap();
        lat.push(t.elapsed());
        assert_eq!(v.counts.submitted, 500);
    }
    report("round overview (counts, totals, per-agency numbers)", lat);
    let v = s.report_round(&office, round).await.unwrap();
    for t in &v.totals {
        println!("  {}: {}", t.label, egov_domain::reporting::format_number(t.value, t.decimals));
    }
}
