//! Every finding rule fires on the roam that shows its problem, and not on a healthy one.

use roamgap::analysis::findings::{evaluate, Finding};
use roamgap::analysis::{AddtsReport, Config, EapReport, FastPath, Roam};
use roamgap::pipeline::Pipeline;
use roamgap_gen::{self as gen, FileFormat, Link, Options};
use roamgap_wire::capture::CaptureFile;
use roamgap_wire::dot11::action::AddtsKind;

/// A healthy CCKM roam with a TSPEC in its request, as analyzed from a generated capture.
fn healthy() -> Roam {
    (1..20)
        .find_map(|seed| {
            let g = gen::generate(
                "cckm-ok",
                &Options {
                    seed,
                    format: FileFormat::Pcap,
                    link: Link::Radiotap,
                },
            )
            .unwrap();
            let cap = CaptureFile::from_vec("cckm-ok", g.bytes).unwrap();
            let a = Pipeline::new(&Config::default()).analyze(0, &cap).unwrap();
            a.analysis.roams.into_iter().find(|r| !r.tspec.is_empty())
        })
        .expect("a roam with a TSPEC")
}

/// A 400 ms 802.1X/EAP exchange, frames 10-20.
fn full_eap() -> EapReport {
    EapReport {
        first_frame: 10,
        last_frame: 20,
        packets: 11,
        success: true,
        first_time: 1.0,
        last_time: 1.4,
        duration_ms: 400.0,
    }
}

/// A 4-way handshake whose M1 was resent once, after the ~1 s WPA-PSK timer (frames 10-42).
fn late_m1() -> roamgap::analysis::EapolReport {
    roamgap::analysis::EapolReport {
        m1_frame: 10,
        m1_time: 1.0,
        m2_frame: Some(40),
        m3_frame: Some(41),
        m4_frame: Some(42),
        m4_time: Some(2.0),
        m1_retries: 1,
        m1_retry_delays_ms: vec![1000.0],
        duration_ms: Some(1000.0),
    }
}

fn codes(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.code).collect()
}

#[test]
fn a_healthy_roam_has_no_finding() {
    let r = healthy();
    assert_eq!(r.fast_path_offered, FastPath::Cckm);
    assert!(!r.new_ap_rates_mbps.is_empty());
    assert!(evaluate(&r, &Config::default()).is_empty());
}

#[test]
fn each_rule_fires_on_its_problem() {
    let config = Config::default();
    type Spoil = fn(&mut Roam);
    let cases: Vec<(&str, Spoil)> = vec![
        ("reassoc-refused", |r| {
            r.status = Some(17);
            r.status_name = Some("AP unable to handle additional associated STAs");
        }),
        ("cckm-ie-missing", |r| r.cckm_in_response = false),
        ("full-reauth", |r| {
            r.fast_path_offered = FastPath::PmkCaching;
            r.eap = Some(full_eap());
        }),
        ("eapol-m1-retry", |r| r.eapol = Some(late_m1())),
        ("tspec-rate-unsupported", |r| {
            r.new_ap_rates_mbps.retain(|&m| m != 12.0)
        }),
        ("addts-refused", |r| {
            r.addts.push(AddtsReport {
                kind: AddtsKind::Wmm,
                status: 3,
                status_name: "refused",
                frame: 12,
                time: 1.0,
                request_frame: Some(11),
                request_time: Some(0.998),
                dialog_token: 1,
                tid: Some(6),
                up: Some(6),
            })
        }),
        ("sticky-client", |r| r.signal_before_dbm = Some(-84)),
        ("roam-over-budget", |r| r.handshake_ms = Some(80.0)),
        ("long-gap", |r| {
            r.uplink.as_mut().unwrap().gap_ms = Some(400.0)
        }),
    ];
    for (code, spoil) in cases {
        let mut r = healthy();
        spoil(&mut r);
        let found = evaluate(&r, &config);
        assert_eq!(codes(&found), [code], "{code}");
        let f = &found[0];
        assert!(
            !f.message.is_empty() && !f.fix.is_empty() && !f.evidence.is_empty(),
            "{code}: {f:?}"
        );
    }
    // A deauthentication after the roam.
    let mut r = healthy();
    r.deauth = Some(roamgap::analysis::DeauthReport {
        reason: 2,
        reason_name: "previous authentication no longer valid",
        frame: 30,
        time: 1.0,
        disassociation: false,
        by_station: false,
        after_ms: 100.0,
    });
    assert_eq!(codes(&evaluate(&r, &config)), ["deauth-after-roam"]);
    // The station's own deauthentication is the station leaving, not the AP's.
    r.deauth.as_mut().unwrap().by_station = true;
    assert!(evaluate(&r, &config).is_empty());
    // The missing CCKM element explains a full authentication: one finding, not two.
    let mut r = healthy();
    r.cckm_in_response = false;
    r.eap = Some(full_eap());
    assert_eq!(codes(&evaluate(&r, &config)), ["cckm-ie-missing"]);
    // Thresholds are configurable.
    let mut r = healthy();
    r.signal_before_dbm = Some(-72);
    assert!(evaluate(&r, &config).is_empty());
    assert_eq!(
        codes(&evaluate(
            &r,
            &Config {
                sticky_dbm: -70,
                ..config
            }
        )),
        ["sticky-client"]
    );
}

#[test]
fn a_failed_roam_says_how_what_it_cost_and_where_the_station_went() {
    use roamgap::analysis::{FailureReport, OutageReport, Outcome};
    let config = Config::default();
    let mut r = healthy();
    r.outcome = Outcome::Unanswered;
    (r.uplink, r.downlink, r.handshake_ms) = (None, None, None);
    r.failure = Some(FailureReport {
        attempts: 5,
        first_frame: 100,
        last_frame: 900,
        first_time: 1.0,
        last_time: 14.5,
        duration_ms: 13_500.0,
        last_status: None,
        gave_up_frame: Some(900),
        next_bssid: Some(r.from_bssid),
        next_frame: Some(901),
    });
    r.outage_ms = Some(13_620.0);
    r.outage = Some(OutageReport {
        last_data_frame: 98,
        last_data_time: 0.9,
        first_data_frame: Some(950),
        first_data_time: Some(14.52),
        first_data_bssid: Some(r.from_bssid),
        capture_ended_after_ms: None,
    });
    let found = evaluate(&r, &config);
    assert_eq!(codes(&found), ["roam-failed"]);
    let m = &found[0].message;
    for part in [
        "failed (unanswered): the new AP never answered after 5 requests over 13500.0 ms (frames 100-900)",
        "then gave up with a deauthentication (frame 900)",
        &format!("the station went back to {} (frame 901)", r.from_bssid),
        "its user data stopped for 13620.0 ms (frames 98-950)",
    ] {
        assert!(m.contains(part), "{part:?} not in {m:?}");
    }
    let mut evidence = vec![100, r.request_frame, 900, 901];
    evidence.sort_unstable();
    assert_eq!(found[0].evidence, evidence);
    // Refused: the status named; abandoned: the station left after it was accepted.
    r.outcome = Outcome::Refused;
    r.failure.as_mut().unwrap().last_status = Some(17);
    let found = evaluate(&r, &config);
    assert!(
        found[0].message.contains("refused it (status 17, "),
        "{}",
        found[0].message
    );
    r.outcome = Outcome::Abandoned;
    let found = evaluate(&r, &config);
    assert!(found[0]
        .message
        .contains("the new AP accepted it, but the station left"));
    // A failed roam is never over a key-exchange budget: it had no key exchange to time.
    r.handshake_ms = Some(900.0);
    assert_eq!(codes(&evaluate(&r, &config)), ["roam-failed"]);
}

#[test]
fn the_key_exchange_budget_follows_the_key_management() {
    use roamgap_wire::dot11::ie::KeyManagement;
    let config = Config::default();
    let with = |km, eap: bool, ms: f64| {
        let mut r = healthy();
        r.key_management = Some(km);
        r.cckm_in_request = km == KeyManagement::Cckm;
        r.fast_path_offered = if km == KeyManagement::Cckm {
            FastPath::Cckm
        } else {
            FastPath::None
        };
        r.eap = eap.then(full_eap);
        r.handshake_ms = Some(ms);
        codes(&evaluate(&r, &config))
    };
    // CCKM/FT 50 ms, PSK 150 ms, 802.1X with EAP 300 ms, 802.1X with a cached PMK 150 ms.
    assert!(with(KeyManagement::Cckm, false, 45.0).is_empty());
    assert_eq!(with(KeyManagement::Cckm, false, 55.0), ["roam-over-budget"]);
    assert_eq!(
        with(KeyManagement::FtPsk, false, 55.0),
        ["roam-over-budget"]
    );
    assert!(with(KeyManagement::Psk, false, 140.0).is_empty());
    assert_eq!(with(KeyManagement::Psk, false, 160.0), ["roam-over-budget"]);
    assert_eq!(with(KeyManagement::Sae, false, 160.0), ["roam-over-budget"]);
    assert!(with(KeyManagement::Dot1x, true, 280.0).is_empty());
    assert_eq!(
        with(KeyManagement::Dot1x, true, 320.0),
        ["roam-over-budget"]
    );
    assert_eq!(
        with(KeyManagement::Dot1x, false, 160.0),
        ["roam-over-budget"]
    );
    // Configurable.
    let mut r = healthy();
    r.handshake_ms = Some(80.0);
    assert!(evaluate(
        &r,
        &Config {
            budget_fast_ms: 100.0,
            ..config
        }
    )
    .is_empty());
    // A slow exchange whose silence is already over the voice budget: one finding, that
    // names both.
    r.uplink.as_mut().unwrap().gap_ms = Some(400.0);
    let found = evaluate(&r, &config);
    assert_eq!(codes(&found), ["long-gap"]);
    assert!(
        found[0]
            .message
            .contains("the key exchange alone took 80.0 ms"),
        "{}",
        found[0].message
    );
    // A late EAPOL M1 explains the slow exchange: no second finding.
    let mut r = healthy();
    r.key_management = Some(KeyManagement::Psk);
    r.handshake_ms = Some(1010.0);
    r.eapol = Some(late_m1());
    assert_eq!(codes(&evaluate(&r, &config)), ["eapol-m1-retry"]);
}
