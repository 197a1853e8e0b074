//! The drafter's flow from the command line: target, template, mailing, merge, hand-over.

mod common;

use common::{appeal, fixture, ok_json};

#[test]
fn a_letter_to_the_target_on_behalf_of_each_signatory_from_template_to_eml_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    ok_json(&db, &["campaign", "add", "Free N."]);
    ok_json(
        &db,
        &["petition", "add", "--campaign", "Free N.", "Open letter"],
    );
    ok_json(
        &db,
        &[
            "import",
            fixture("action_network.csv").to_str().unwrap(),
            "--petition",
            "Open letter",
        ],
    );
    let t = ok_json(
        &db,
        &[
            "target",
            "add",
            "--campaign",
            "Free N.",
            "--name",
            "Prosecutor General",
            "--email",
            "pg@gov.example",
            "--form-of-address",
            "Dear Prosecutor General",
            "--address",
            "1 Justice Square\\n101000 Capital",
        ],
    );
    assert_eq!(t["address"], "1 Justice Square\n101000 Capital");

    let body = dir.path().join("body.md");
    std::fs::write(
        &body,
        "{{ target.form_of_adress }},\n\nPlease release N.\n\n{{ signatory.full_name }}\n",
    )
    .unwrap();
    let tpl = ok_json(
        &db,
        &[
            "template",
            "add",
            "--campaign",
            "Free N.",
            "--name",
            "Appeal",
            "--subject",
            "Release N.",
            "--body-file",
            body.to_str().unwrap(),
        ],
    );
    let id = tpl["id"].to_string();
    let check = appeal(&db, &["template", "check", &id]);
    assert!(!check.status.success(), "a misspelt field fails the check");
    assert!(
        String::from_utf8_lossy(&check.stdout)
            .contains("unknown field target.form_of_adress; did you mean target.form_of_address?")
    );

    std::fs::write(
        &body,
        "{{ target.form_of_address }},\n\nPlease release N.\n\n{{ signatory.full_name }}\n",
    )
    .unwrap();
    ok_json(
        &db,
        &[
            "template",
            "edit",
            &id,
            "--lang",
            "en",
            "--subject",
            "Release N.",
            "--body-file",
            body.to_str().unwrap(),
        ],
    );
    assert!(appeal(&db, &["template", "check", &id]).status.success());
    let preview = ok_json(
        &db,
        &[
            "template",
            "preview",
            &id,
            "--signatory",
            "1",
            "--target",
            "1",
        ],
    );
    assert_eq!(
        preview["text"],
        "Dear Prosecutor General,\n\nPlease release N.\n\nAnna Petrova\n"
    );

    let m = ok_json(
        &db,
        &[
            "mailing",
            "create",
            "--campaign",
            "Free N.",
            "--template",
            &id,
            "--name",
            "Letters",
            "--audience",
            "signatories-to-targets",
            "--from-name",
            "Free N. Committee",
            "--from-address",
            "letters@free-n.example.org",
        ],
    );
    let mid = m["id"].to_string();
    assert_eq!(ok_json(&db, &["mailing", "check", &mid])["recipients"], 3);
    assert_eq!(ok_json(&db, &["mailing", "merge", &mid])["messages"], 3);
    let eml = dir.path().join("eml");
    assert_eq!(
        ok_json(
            &db,
            &[
                "mailing",
                "export",
                &mid,
                "--format",
                "eml",
                eml.to_str().unwrap()
            ]
        )["messages"],
        3
    );
    assert_eq!(std::fs::read_dir(&eml).unwrap().count(), 3);
    let links = dir.path().join("links.csv");
    ok_json(
        &db,
        &[
            "mailing",
            "export",
            &mid,
            "--format",
            "mailto",
            links.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&links).unwrap();
    assert!(text.contains("mailto:pg@gov.example?subject=Release%20N.&body=Dear%20Prosecutor%20General%2C%0D%0A%0D%0APlease%20release%20N."), "{text}");
}
