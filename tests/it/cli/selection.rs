//! Self-selection in reports (`[selection]`): the selection ratio of every headline figure
//! and contrast, the response-rate bounds with the number invited, the plot, and what a
//! protected report leaves out. Every expected figure is worked by hand in the comments
//! (the formulas: `src/stats/selection.rs`; the statistics themselves are held against R in
//! `tests/it/references/selection.rs`).

use crate::support::{code, stderr, Scratch};

/// 310 respondents: specialist 100 (worse 40, same 30, better 30), non-specialist 200
/// (worse 120, same 50, better 30), and `missing` respondents of each provider without an
/// outcome.
fn data(missing: usize) -> String {
    let mut s = String::from("provider,outcome\n");
    for (p, o, k) in [
        ("specialist", "worse", 40),
        ("specialist", "same", 30),
        ("specialist", "better", 30),
        ("non_specialist", "worse", 120),
        ("non_specialist", "same", 50),
        ("non_specialist", "better", 30),
    ] {
        for _ in 0..k {
            s.push_str(&format!("{p},{o}\n"));
        }
    }
    for i in 0..missing {
        let p = if i % 2 == 0 {
            "specialist"
        } else {
            "non_specialist"
        };
        s.push_str(&format!("{p},\n"));
    }
    s
}

fn pipeline(selection: &str) -> String {
    format!(
        "[input]\npath = \"data.csv\"\n\n{selection}\n[[analysis]]\nname = \"get\"\ntitle = \"GET\"\noutcome = \"outcome\"\nlevels = [\"worse\", \"same\", \"better\"]\nheadline = [\"worse\"]\nby = [\"provider\"]\ndenominator = \"respondents who tried GET\"\n[analysis.compare]\nby = \"provider\"\nreference = \"specialist\"\n"
    )
}

fn run(selection: &str, missing: usize) -> (Scratch, std::process::Output) {
    let s = Scratch::new();
    s.write("data.csv", data(missing));
    s.write("p.toml", pipeline(selection));
    let out = s.run(&["run", "p.toml"]);
    (s, out)
}

#[test]
fn every_headline_figure_says_how_strong_selection_would_have_to_be() {
    let (s, out) = run("", 10);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let md = s.read("reports/p/report.md");
    // Worse: 160 of 300 = 53.3%; γ = odds(160/300) / odds(0.5) = 160/140 = 1.14.
    assert!(
        md.contains("Self-selection: the overall figure would fall below 50% only if respondents who answered \u{201c}worse\u{201d} were 1.14 times as likely to take part as those who did not"),
        "{md}"
    );
    // Non-specialist 120/200 against specialist 40/100: OR = (120/80)/(40/60) = 2.25.
    let html = s.read("reports/p/index.html");
    assert!(
        html.contains("Selection would explain the non_specialist vs specialist contrast away only if respondents who answered \u{201c}worse\u{201d} were 2.25 times as likely to take part in the non_specialist group as in the specialist group"),
        "{html}"
    );
    // The specialists' 40% is below 50%: γ = odds(0.4) = 0.667; its upper limit is
    // below 50% too, so the table gives a ratio for it.
    assert!(md.contains("| specialist | worse | 40.0% | 0.67 |"), "{md}");
    assert!(md.contains("no response-rate bounds are given"), "{md}");
    let json: serde_json::Value =
        serde_json::from_str(&s.read("reports/p/estimates.json")).unwrap();
    let sel = &json["analyses"][0]["selection"];
    assert_eq!(sel["threshold"], 0.5);
    assert!(sel["invited"].is_null());
    let all = &sel["figures"][0];
    assert_eq!(all["outcome"], "worse");
    assert!((all["ratio_to_threshold"].as_f64().unwrap() - 160.0 / 140.0).abs() < 1e-12);
    let c = &sel["contrasts"][0];
    assert!(
        (c["odds_ratio"].as_f64().unwrap() - 2.25).abs() < 1e-12,
        "{c}"
    );
    assert!(s.path().join("reports/p/plots/get-selection.svg").is_file());
    assert!(s.path().join("reports/p/plots/get-selection.png").is_file());
    assert!(html.contains("Self-selection: how far it could move these figures"));
    assert!(html.contains("plots/get-selection.svg"));
}

#[test]
fn with_the_number_invited_the_findings_give_the_response_rate_bounds() {
    let (s, out) = run("[selection]\ninvited = 1000\n", 10);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let md = s.read("reports/p/report.md");
    // Unknown: 1000 − 310 who answered + 10 without an outcome = 700. Worse, 160 of 300:
    // 160 / 1000 = 16.0% to (160 + 700) / 1000 = 86.0%.
    assert!(
        md.contains("With 1,000 invited, the share among everyone invited lies between 16.0% and 86.0% whatever those who did not answer would have said (95% Imbens-Manski interval"),
        "{md}"
    );
    assert!(md.contains("the answers of 700 are unknown"), "{md}");
    let json: serde_json::Value =
        serde_json::from_str(&s.read("reports/p/estimates.json")).unwrap();
    let sel = &json["analyses"][0]["selection"];
    assert_eq!(sel["invited"], 1000);
    assert_eq!(sel["unknown_answers"], 700);
    let b = &sel["figures"][0]["bounds"];
    assert_eq!(
        (b[0].as_f64().unwrap(), b[1].as_f64().unwrap()),
        (0.16, 0.86)
    );
    // Imbens-Manski: σ of each bound sqrt(θ(1−θ)/1000); Δ/σ is large, so C is the
    // one-sided 1.645: 0.16 − 1.645·0.01159 = 14.1%, 0.86 + 1.645·0.01097 = 87.8%.
    let im = &sel["figures"][0]["imbens_manski"];
    assert!((im[0].as_f64().unwrap() - 0.140929).abs() < 1e-5, "{im}");
    assert!((im[1].as_f64().unwrap() - 0.878049).abs() < 1e-5, "{im}");
}

#[test]
fn an_invited_count_below_the_respondents_is_named_with_its_key() {
    let (_, out) = run("[selection]\ninvited = 300\n", 10);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains(
            "key `selection.invited`: 300 people invited, but analysis `get` has 310 respondents"
        ),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    // Pipeline problems are exit 2.
    let (_, out) = run("[selection]\nthreshold = 50\n", 0);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("key `selection.threshold`: must be a share between 0 and 1, got 50"),
        "{err}"
    );
    assert!(err.contains("hint: write 0.5 for 50%"), "{err}");
    let (_, out) = run("[selection]\ninvitd = 300\n", 0);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("did you mean `invited`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ratio_false_and_a_threshold_of_its_own_are_obeyed() {
    let (s, out) = run("[selection]\nratio = false\n", 0);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let md = s.read("reports/p/report.md");
    assert!(
        !md.contains("Self-selection:") && !md.contains("Selection would explain"),
        "{md}"
    );
    assert!(!s.path().join("reports/p/plots/get-selection.svg").exists());
    let (s, out) = run("[selection]\nthreshold = 0.6\n", 0);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let md = s.read("reports/p/report.md");
    // 53.3% against 60%: 1/γ = odds(0.6)/odds(160/300) = 1.5 / 1.142857 = 1.31.
    assert!(
        md.contains("would rise above 60% only if respondents who did not answer \u{201c}worse\u{201d} were 1.31 times as likely"),
        "{md}"
    );
}

#[test]
fn a_protected_report_assesses_only_what_it_publishes() {
    // Two respondents without an outcome: their count is below 5 and is suppressed, so the
    // bounds (which would give it back) are not given; a group of 3 is hidden and has no
    // ratio.
    let s = Scratch::new();
    let mut d = data(2);
    d.push_str("nurse,worse\nnurse,worse\nnurse,same\n");
    s.write("data.csv", d);
    s.write("p.toml", pipeline("[selection]\ninvited = 1000\n"));
    let out = s.run(&["run", "p.toml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: serde_json::Value =
        serde_json::from_str(&s.read("reports/p/estimates.json")).unwrap();
    let a = &json["analyses"][0];
    let sel = &a["selection"];
    let hidden_missing = a["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["respondents"].is_null());
    if hidden_missing {
        assert!(sel["unknown_answers"].is_null(), "{sel}");
        assert!(sel["figures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["bounds"].is_null()));
        let md = s.read("reports/p/report.md");
        assert!(
            md.contains("a count of missing answers is suppressed"),
            "{md}"
        );
    }
    for f in sel["figures"].as_array().unwrap() {
        assert_ne!(f["group"]["provider"], "nurse", "{f}");
    }
    for e in a["estimates"].as_array().unwrap() {
        if e["group"]["provider"] == "nurse" {
            assert!(e["count"].is_null() || e["n"].is_null(), "{e}");
        }
    }
    assert!(
        hidden_missing,
        "the test means the missing count to be suppressed: {a}"
    );
}
