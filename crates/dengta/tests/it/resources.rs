//! Resource bounds a user meets: a project's evidence is limited (count and total size, from
//! `data/rules/evidence-limits.toml`) and a refused upload leaves nothing behind; the acceptance
//! bundle streams large evidence with its manifest of SHA-256 and SM3 intact.

use std::io::Read;

use serde_json::Value;

use crate::support::{Store, TestApp, fixture, token};
use dengta::db;

/// Uploads `bytes` as a PDF to the project: (status, body).
async fn upload(base: String, tok: String, project: i64, bytes: Vec<u8>, lang: &str) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("现场照片.pdf");
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/projects/{project}/files?kind=other"))
        .bearer_auth(tok)
        .header("Accept-Language", lang)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn pdf(tag: &str, size: usize) -> Vec<u8> {
    let mut b = format!("%PDF-1.4\n% {tag}\n").into_bytes();
    // Incompressible-ish filler so a large file stays large in the ZIP too.
    let mut x: u32 = tag.bytes().fold(2166136261, |h, c| (h ^ u32::from(c)).wrapping_mul(16777619));
    while b.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b.extend_from_slice(&x.to_le_bytes());
    }
    b.truncate(size);
    b.extend_from_slice(b"\n%%EOF\n");
    b
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A project at its evidence limit refuses further uploads, concurrent ones included, with a
/// clear message in the caller's language, and stores none of their bytes.
async fn evidence_per_project_is_limited(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let provider = token(&t, "demo-provider").await;
    let limits = dengta::app::files::limits().unwrap();
    let project = f.own_project;
    // Fill the project up to two below its limit directly (uploading hundreds of files would
    // only slow the test down), all naming one stored content.
    let mut c = t.db();
    let filler = "f".repeat(64);
    c.execute(
        "INSERT INTO files (sha256, sm3, size, media_type, created_at) VALUES ($1, $1, 1, 'application/pdf', 0) \
         ON CONFLICT DO NOTHING",
        vec![db::Arg::from(filler.as_str())],
    )
    .await
    .unwrap();
    let present =
        c.scalar("SELECT COUNT(*) FROM evidence WHERE project_id = $1", vec![db::Arg::from(project)]).await.unwrap();
    let row = db::projects::get(&mut c, project).await.unwrap().unwrap();
    for _ in present..limits.max_files_per_project - 2 {
        db::projects::add_evidence(
            &mut c,
            &db::projects::NewEvidence {
                project_id: project,
                enterprise_id: row.enterprise_id,
                milestone_id: None,
                kind: "other",
                sha256: &filler,
                file_name: "filler.pdf",
                media_type: "application/pdf",
                uploaded_by: "test",
            },
        )
        .await
        .unwrap();
    }
    // Six different files at once: two fit.
    // Unique per run: the test data directory outlives one run.
    let run = format!("{}-{}-{store:?}", std::process::id(), db::now_ms());
    let contents: Vec<Vec<u8>> = (0..6).map(|i| pdf(&format!("limit-{run}-{i}"), 2000)).collect();
    let tasks: Vec<_> = contents
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let lang = if i % 2 == 0 { "zh-CN" } else { "en" };
            tokio::spawn(upload(t.base.clone(), provider.clone(), project, bytes.clone(), lang))
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let accepted = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(accepted, 2, "{answers:?}");
    for (i, (s, v)) in answers.iter().enumerate() {
        let sha = hex(&<sha2::Sha256 as sha2::Digest>::digest(&contents[i]));
        let stored =
            c.scalar("SELECT COUNT(*) FROM files WHERE sha256 = $1", vec![db::Arg::from(sha.as_str())]).await.unwrap();
        let on_disk = dengta::app::files::path_of(&t.app, &sha).exists();
        if *s == 201 {
            assert!(stored == 1 && on_disk);
            continue;
        }
        assert_eq!(*s, 422, "{v}");
        assert_eq!(v["code"], "error.evidence_too_many", "{v}");
        let title = v["title"].as_str().unwrap();
        if i % 2 == 0 {
            assert!(title.contains("上限"), "{title}");
        } else {
            assert!(title.contains("maximum number of evidence files"), "{title}");
        }
        assert_eq!((stored, on_disk), (0, false), "a refused upload stores nothing");
    }
    let n =
        c.scalar("SELECT COUNT(*) FROM evidence WHERE project_id = $1", vec![db::Arg::from(project)]).await.unwrap();
    assert_eq!(n, limits.max_files_per_project);
}

/// The bundle of a project with large evidence downloads as a valid ZIP whose manifest names
/// every entry with its true SHA-256, SM3 and size; concurrent downloads are identical and each
/// is audited.
async fn bundle_streams_large_evidence(store: Store) {
    let t = TestApp::spawn(store).await;
    let f = fixture(&t.db()).await;
    let provider = token(&t, "demo-provider").await;
    let enterprise = token(&t, "demo-enterprise").await;
    let run = format!("{}-{}-{store:?}", std::process::id(), db::now_ms());
    let large = pdf(&format!("large-{run}"), 12 * 1024 * 1024);
    let small = pdf(&format!("small-{run}"), 3000);
    for bytes in [&large, &small] {
        let (s, v) = upload(t.base.clone(), provider.clone(), f.own_project, bytes.clone(), "zh-CN").await;
        assert_eq!(s, 201, "{v}");
    }
    let audited = |c: db::Db| async move {
        c.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'acceptance.bundle'", vec![]).await.unwrap()
    };
    let before = audited(t.db()).await;
    let url = t.url(&format!("/api/v1/projects/{}/bundle", f.own_project));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (url, tok) = (url.clone(), enterprise.clone());
            tokio::spawn(async move {
                let res = reqwest::Client::new().get(url).bearer_auth(tok).send().await.unwrap();
                assert_eq!(res.status(), 200);
                assert_eq!(res.headers()["content-type"], "application/zip");
                res.bytes().await.unwrap().to_vec()
            })
        })
        .collect();
    let mut zips = Vec::new();
    for task in tasks {
        zips.push(task.await.unwrap());
    }
    assert_eq!(zips[0], zips[1], "the same project gives the same archive");
    assert_eq!(audited(t.db()).await, before + 2, "each download is audited");

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zips.remove(0))).unwrap();
    let mut manifest = String::new();
    archive.by_name("manifest.txt").unwrap().read_to_string(&mut manifest).unwrap();
    let lines: Vec<&str> = manifest.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), archive.len() - 1, "every entry but the manifest is listed:\n{manifest}");
    let mut found_large = false;
    for line in lines {
        let parts: Vec<&str> = line.splitn(4, "  ").collect();
        let (sha, sm3, size, name) = (parts[0], parts[1], parts[2], parts[3]);
        let mut bytes = Vec::new();
        archive.by_name(name).unwrap().read_to_end(&mut bytes).unwrap();
        assert_eq!(hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes)), sha, "{name}");
        assert_eq!(hex(&<sm3::Sm3 as sm3::Digest>::digest(&bytes)), sm3, "{name}");
        assert_eq!(bytes.len().to_string(), size, "{name}");
        found_large |= bytes == large;
    }
    assert!(found_large, "the large evidence is in the archive whole");
}

on_both_stores!(evidence_per_project_is_limited, bundle_streams_large_evidence);
