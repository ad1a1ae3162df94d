//! A county-wide verification started from the page runs as a background
//! job (issue 11): the page shows a progress bar that htmx refreshes, the
//! progress block shows done/total while the worker works, then what the
//! run found with the link to its follow-up list; a second start while the
//! first is active is refused in Chinese; a job is cancelled from its page.
//! On SQLite and PostgreSQL.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiuzhu_app::job::{AfterChunk, Ran, WorkerConfig, work_one};
use jiuzhu_domain::Role;
use jiuzhu_domain::job::JobState;
use tokio::sync::watch;

use super::{TestApp, multipart, now};

#[tokio::test]
async fn a_county_run_from_the_page_is_a_job_with_progress_on_sqlite() {
    a_county_run_from_the_page_is_a_job_with_progress(TestApp::sqlite().await).await;
}

#[tokio::test]
async fn a_county_run_from_the_page_is_a_job_with_progress_on_postgresql() {
    a_county_run_from_the_page_is_a_job_with_progress(TestApp::new(jiuzhu_testkit::postgres().await).await).await;
}

/// A worker that reads one record and writes one household per chunk.
fn worker(after_chunk: Option<jiuzhu_app::job::worker::ChunkHook>) -> WorkerConfig {
    WorkerConfig { chunk: 1, page: 1, after_chunk, ..WorkerConfig::new("test-worker") }
}

async fn a_county_run_from_the_page_is_a_job_with_progress(mut app: TestApp) {
    app.import_fixture("roster_utf8.csv").await;
    app.sign_in_as("hedui", &[Role::VerificationOfficer], "340102").await;
    let file = "身份证号,号牌号码,车辆类型,初次登记日期\n340102195803120137,皖A12345,小型轿车,2019-05-01\n";
    let (content_type, body) = multipart(
        &[("kind", "vehicle"), ("department", "公安交管"), ("as_of", "2025-10-01")],
        "机动车.csv",
        file.as_bytes(),
    );
    let req = Request::post("/verification/deliveries").header(header::CONTENT_TYPE, content_type);
    assert_eq!(app.send(req.body(Body::from(body)).unwrap()).await.status, StatusCode::SEE_OTHER);

    // Starting the run answers at once with the job's page.
    let started = app.post_form("/verification/runs", "region=").await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text());
    let job_url = started.headers[header::LOCATION].to_str().unwrap().to_string();
    let id: i64 = job_url.trim_start_matches("/jobs/").parse().unwrap();
    let page = app.get(&job_url).await.text();
    assert!(page.contains("<h1>批量核对</h1>") && page.contains("排队等候"), "{page}");
    assert!(page.contains(&format!("hx-get=\"/jobs/{id}/progress\"")) && page.contains("hx-trigger=\"every 1s\""));
    assert!(page.contains("id=\"job-cancel\""), "the starter may cancel it");
    let overview = app.get("/verification").await.text();
    assert!(overview.contains(&format!("href=\"/jobs/{id}\"")) && overview.contains("后台任务"), "{overview}");

    // A second run of the county while the first is queued is refused.
    let again = app.post_form("/verification/runs", "region=").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().contains("本辖区已有一项同类任务正在排队或进行，请等其完成或取消后再发起。"));

    // The worker reads the one record and writes one household, then is
    // told to stop: the block shows how far it got and keeps polling.
    let (stop_tx, stop) = watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let hook = Arc::new(move |n| {
        if n == 2 {
            stop_tx.send_replace(true);
        }
        AfterChunk::Continue
    });
    let ran = work_one(&app.db, &worker(Some(hook)), &now, &stop).await.unwrap();
    assert_eq!(ran, Some(Ran::Released));
    let block = app.get(&format!("/jobs/{id}/progress")).await;
    assert_eq!(block.status, StatusCode::OK);
    let block = block.text();
    assert!(block.starts_with("<div id=\"job-progress\""), "a partial, not a page: {block}");
    assert!(block.contains("正在进行") && block.contains("已处理 2 / 4（50%）"), "{block}");
    assert!(block.contains("max=\"4\" value=\"2\"") && block.contains("hx-trigger=\"every 1s\""), "{block}");

    // Another worker finishes it: the block shows what the run found and
    // stops polling; its link leads to the follow-up list.
    let (_keep, running) = watch::channel(false);
    assert_eq!(work_one(&app.db, &worker(None), &now, &running).await.unwrap(), Some(Ran::Ended(JobState::Done)));
    let block = app.get(&format!("/jobs/{id}/progress")).await.text();
    assert!(block.contains("已完成") && block.contains("核对完成：3户、6人，1户有核对发现。"), "{block}");
    assert!(block.contains("class=\"bar\"") && block.contains("拥有机动车"), "{block}");
    assert!(!block.contains("hx-trigger"), "a finished job is not polled");
    let run_url = block.split("id=\"job-result\"").next().unwrap().rsplit("href=\"").next().unwrap();
    let run_url = run_url.split('"').next().unwrap().to_string();
    assert!(run_url.starts_with("/verification/runs/"), "{run_url}");
    let follow_ups = app.get(&run_url).await.text();
    assert!(follow_ups.contains("待核实家庭") && follow_ups.contains("SF-0001") && !follow_ups.contains("SF-0002"));
    let json = app.get(&format!("/api/jobs/{id}")).await.json();
    assert_eq!(
        (json["state"].as_str(), json["done"].as_u64(), json["total"].as_u64()),
        (Some("done"), Some(4), Some(4))
    );
    assert_eq!(json["outcome"]["households"], 3);

    // A new run may start now, and is cancelled from its page.
    let started = app.post_form("/verification/runs", "region=340102001").await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let job_url = started.headers[header::LOCATION].to_str().unwrap().to_string();
    let cancelled = app.post_form(&format!("{job_url}/cancel"), "").await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let page = app.get(&job_url).await.text();
    assert!(
        page.contains("已取消")
            && page.contains("任务已取消，没有保存任何结果。")
            && !page.contains("hx-trigger=\"every")
    );
    let again = app.post_form(&format!("{job_url}/cancel"), "").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text().contains("该任务已经结束。"));

    // The API starts runs as jobs too.
    let started = app.post_json("/api/verification/runs", serde_json::json!({"region": ""})).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
    assert_eq!(started.json()["state"], "queued");
    let refused = app.post_json("/api/verification/runs", serde_json::json!({"region": ""})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.json()["problems"][0]["code"], "job.error.already_active");

    // A clerk of the other township does not see the first township's job;
    // the county's job she sees, its progress but not the county's numbers.
    app.sign_in_as("hekou", &[Role::TownshipClerk], "340102002").await;
    let township_job: i64 = job_url.trim_start_matches("/jobs/").parse().unwrap();
    assert_eq!(app.get(&format!("/jobs/{township_job}")).await.status, StatusCode::NOT_FOUND);
    let county = app.get(&format!("/jobs/{id}/progress")).await.text();
    assert!(county.contains("已完成") && !county.contains("核对完成"), "progress only, not the county's numbers");
}

#[tokio::test]
async fn large_uploads_are_imported_as_jobs() {
    let mut app = TestApp::sqlite().await;
    // Every upload counts as large here.
    app.router = jiuzhu_web::router(jiuzhu_web::AppState::new(app.db.clone(), Arc::new(now)).with_background_from(0));
    let started = app.upload("/import", "roster.csv", &super::fixture("roster_utf8.csv")).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text());
    let job_url = started.headers[header::LOCATION].to_str().unwrap().to_string();
    let page = app.get(&job_url).await.text();
    assert!(page.contains("<h1>花名册导入</h1>") && page.contains("排队等候") && page.contains("href=\"/import\""));
    let (_keep, stop) = watch::channel(false);
    assert_eq!(work_one(&app.db, &worker(None), &now, &stop).await.unwrap(), Some(Ran::Ended(JobState::Done)));
    let block = app.get(&format!("{job_url}/progress")).await.text();
    assert!(
        block.contains("导入完成：新增 3 户，更新 0 户，未变化 0 户。") && block.contains("href=\"/households\""),
        "{block}"
    );

    // A file with a problem: the job fails and lists it, as the page does.
    let mut bad = super::fixture("roster_utf8.csv");
    bad.extend_from_slice("SF-9,340102001001,1234,某人,户主\n".as_bytes());
    let started = app.upload("/import", "roster.csv", &bad).await;
    let job_url = started.headers[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(work_one(&app.db, &worker(None), &now, &stop).await.unwrap(), Some(Ran::Ended(JobState::Failed)));
    let block = app.get(&format!("{job_url}/progress")).await.text();
    assert!(block.contains("未能完成") && block.contains("文件未导入：发现 1 处问题，数据库未作任何改动。"), "{block}");
    assert!(block.contains("id=\"job-problems\"") && block.contains("第8行"), "{block}");

    // A department delivery too; its page links to the delivery.
    app.sign_in_as("hedui", &[Role::VerificationOfficer], "340102").await;
    let file = "身份证号,号牌号码,车辆类型\n340102195803120137,皖A12345,小型轿车\n";
    let (content_type, body) = multipart(
        &[("kind", "vehicle"), ("department", "公安交管"), ("as_of", "2025-10-01")],
        "机动车.csv",
        file.as_bytes(),
    );
    let req = Request::post("/verification/deliveries").header(header::CONTENT_TYPE, content_type);
    let started = app.send(req.body(Body::from(body)).unwrap()).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let job_url = started.headers[header::LOCATION].to_str().unwrap().to_string();
    assert!(job_url.starts_with("/jobs/"), "{job_url}");
    assert_eq!(work_one(&app.db, &worker(None), &now, &stop).await.unwrap(), Some(Ran::Ended(JobState::Done)));
    let block = app.get(&format!("{job_url}/progress")).await.text();
    assert!(block.contains("部门数据导入完成：读取 1 行，其中 0 行有误未收录。"), "{block}");
    let delivery = block.split("\" id=\"job-result\"").next().unwrap().rsplit("href=\"").next().unwrap().to_string();
    assert!(app.get(&delivery).await.text().contains("id=\"rows-read\">1<"), "{delivery}");
}
