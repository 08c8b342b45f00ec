use std::collections::HashMap;

use super::*;
use crate::analysis::Outcome;
use crate::events::AssocRequest;

fn event(frame: u64, from_station: bool, bssid: MacAddr, signal: i8, kind: EventKind) -> Event {
    Event {
        frame,
        ts_ns: frame as i64 * 1_000_000,
        station: MacAddr([2, 0, 0, 0, 0, 1]),
        bssid,
        from_station,
        retry: false,
        dot11_seq: frame as u16,
        user_priority: Some(0),
        channel_mhz: Some(2412),
        signal_dbm: Some(signal),
        rate_100kbps: Some(540),
        kind,
    }
}

/// The frames of [`unanswered_then_completed`] its tests assert on.
struct Unanswered {
    result: StationResult,
    a: MacAddr,
    b: MacAddr,
    c: MacAddr,
    /// The station's last user data through A before it tried B.
    last_data: u64,
    /// Its authentication request to B, and its first reassociation request to B.
    first: u64,
    request: u64,
    /// Its deauthentication of B, its association request to A after, and its first data
    /// through A again.
    gave_up: u64,
    back: u64,
    resumed: u64,
}

/// A station deauthenticated by A tries B for 13.5 s (an authentication, four
/// reassociation requests, Null frames to B), B never sends it a frame, the station gives
/// up and goes back to A; later it roams to C.
fn unanswered_then_completed() -> Unanswered {
    let (a, b, c) = (
        MacAddr([0, 1, 0, 0, 0, 1]),
        MacAddr([0, 1, 0, 0, 0, 2]),
        MacAddr([0, 1, 0, 0, 0, 3]),
    );
    let data = EventKind::Data {
        protected: true,
        null: false,
    };
    let null = EventKind::Data {
        protected: false,
        null: true,
    };
    let mut st = Station::new(0, MacAddr([2, 0, 0, 0, 0, 1]), Config::default());
    let ms = 1_000_000i64;
    let mut f = 0;
    let mut at = |t_ms: i64, from_station: bool, bssid: MacAddr, kind: EventKind| {
        f += 1;
        let mut e = event(f, from_station, bssid, -60, kind);
        e.ts_ns = t_ms * ms;
        st.event(&e);
        f
    };
    let mut last_data = 0;
    for t in 0..10 {
        at(t * 20, true, a, data);
        last_data = at(t * 20 + 5, false, a, data);
    }
    at(
        200,
        false,
        a,
        EventKind::Deauth {
            reason: 1,
            disassociation: false,
        },
    );
    let auth = |sequence| EventKind::Auth {
        algorithm: 0,
        sequence,
        status: 0,
    };
    let first = at(230, true, b, auth(1));
    let mut request = 0;
    for i in 0..4 {
        let req = AssocRequest::new(true, Some(a));
        let frame = at(240 + i * 4500, true, b, EventKind::AssocRequest(req));
        if i == 0 {
            request = frame;
        }
        for k in 1..4 {
            at(240 + i * 4500 + k * 1000, true, b, null);
        }
    }
    let gave_up = at(
        13_800,
        true,
        b,
        EventKind::Deauth {
            reason: 3,
            disassociation: false,
        },
    );
    let back = at(
        13_830,
        true,
        a,
        EventKind::AssocRequest(AssocRequest::new(false, None)),
    );
    at(13_832, false, a, accepted(false));
    let resumed = at(13_900, true, a, data);
    for t in 0..5 {
        at(13_920 + t * 20, false, a, data);
    }
    // Later a roam to C, whose request names B (which it never joined) as Current AP.
    at(20_000, true, c, auth(1));
    at(20_001, false, c, auth(2));
    at(
        20_002,
        true,
        c,
        EventKind::AssocRequest(AssocRequest::new(true, Some(b))),
    );
    at(20_004, false, c, accepted(true));
    at(20_050, true, c, data);
    let result = st.finish(
        &HashMap::new(),
        &HashMap::new(),
        &super::super::Coverage::default(),
        &super::super::Named::every(),
        i64::MAX,
    );
    assert_eq!(result.roams.len(), 2, "{:#?}", result.roams);
    Unanswered {
        result,
        a,
        b,
        c,
        last_data,
        first,
        request,
        gave_up,
        back,
        resumed,
    }
}

/// An (re)association response accepting the station.
fn accepted(reassociation: bool) -> EventKind {
    EventKind::AssocResponse {
        reassociation,
        status: 0,
        cckm_element: false,
        fast_transition: false,
    }
}

#[test]
fn an_unanswered_roam_fails_with_its_attempts_and_where_the_station_went() {
    let s = unanswered_then_completed();
    let failed = &s.result.roams[0];
    assert_eq!(
        (failed.from_bssid, failed.to_bssid, failed.outcome),
        (s.a, s.b, Outcome::Unanswered)
    );
    assert_eq!(failed.request_frame, s.request);
    let fr = failed.failure.as_ref().unwrap();
    assert_eq!(
        (fr.attempts, fr.first_frame, fr.last_frame, fr.gave_up_frame),
        (5, s.first, s.gave_up, Some(s.gave_up))
    );
    assert_eq!((fr.next_bssid, fr.next_frame), (Some(s.a), Some(s.back)));
    assert_eq!(fr.duration_ms, 13_570.0);
    assert!(failed.uplink.is_none() && failed.downlink.is_none());
    assert_eq!(failed.status, None);
}

#[test]
fn the_station_giving_up_is_timed_from_its_last_request() {
    let s = unanswered_then_completed();
    // The station's own deauthentication, 13.56 s after the first request but 60 ms after
    // the last one.
    let d = s.result.roams[0].deauth.as_ref().unwrap();
    assert!(d.by_station && d.after_ms == 60.0, "{d:?}");
}

#[test]
fn a_failed_roam_is_an_outage_until_data_resumes_through_the_old_ap() {
    let s = unanswered_then_completed();
    let failed = &s.result.roams[0];
    let o = failed.outage.as_ref().unwrap();
    assert_eq!(
        (o.last_data_frame, o.first_data_frame),
        (s.last_data, Some(s.resumed))
    );
    assert_eq!(failed.outage_ms, Some(13_900.0 - 185.0));
}

#[test]
fn a_failed_roam_is_one_finding_with_its_unanswered_phases_open() {
    let s = unanswered_then_completed();
    let failed = &s.result.roams[0];
    let codes: Vec<&str> = failed.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["roam-failed"]);
    let unanswered: Vec<(&str, Option<f64>)> = failed
        .phases
        .iter()
        .map(|p| (p.name.as_str(), p.duration_ms))
        .filter(|p| p.1.is_none())
        .collect();
    assert_eq!(
        unanswered,
        [("authentication", None), ("reassociation", None)]
    );
}

#[test]
fn the_roam_after_a_failed_one_comes_from_the_ap_the_station_is_on() {
    let s = unanswered_then_completed();
    // The next roam comes from A, the AP the station went back to.
    let next = &s.result.roams[1];
    assert_eq!(
        (next.from_bssid, next.to_bssid, next.outcome),
        (s.a, s.c, Outcome::Completed)
    );
}

#[test]
fn signal_before_and_after_a_roam() {
    let (a, b) = (MacAddr([0, 1, 0, 0, 0, 1]), MacAddr([0, 1, 0, 0, 0, 2]));
    let data = EventKind::Data {
        protected: false,
        null: false,
    };
    let mut st = Station::new(0, MacAddr([2, 0, 0, 0, 0, 1]), Config::default());
    let mut f = 0;
    let mut next = || {
        f += 1;
        f
    };
    for dbm in -70..-54 {
        st.event(&event(next(), true, a, dbm, data));
    }
    // Authentication and reassociation to B, heard loud, do not count for A.
    st.event(&event(
        next(),
        true,
        b,
        -40,
        EventKind::Auth {
            algorithm: 0,
            sequence: 1,
            status: 0,
        },
    ));
    let req = AssocRequest::new(true, Some(a));
    st.event(&event(next(), true, b, -40, EventKind::AssocRequest(req)));
    st.event(&event(
        next(),
        false,
        b,
        -30,
        EventKind::AssocResponse {
            reassociation: true,
            status: 0,
            cckm_element: false,
            fast_transition: false,
        },
    ));
    for _ in 0..20 {
        st.event(&event(next(), true, b, -45, data));
    }
    let r = st.finish(
        &HashMap::new(),
        &HashMap::new(),
        &super::super::Coverage::default(),
        &super::super::Named::every(),
        i64::MAX,
    );
    assert_eq!(r.roams.len(), 1);
    // Sorted -70..=-55, the middle (index 8) is -62; after: its first 16 data frames (-45).
    assert_eq!(
        (r.roams[0].signal_before_dbm, r.roams[0].signal_after_dbm),
        (Some(-62), Some(-45))
    );
}

#[test]
fn the_wireshark_filter_reaches_back_to_a_scan_made_during_the_call() {
    let (a, b) = (MacAddr([0, 1, 0, 0, 0, 1]), MacAddr([0, 1, 0, 0, 0, 2]));
    let data = EventKind::Data {
        protected: false,
        null: false,
    };
    let mut st = Station::new(0, MacAddr([2, 0, 0, 0, 0, 1]), Config::default());
    st.event(&event(1, true, a, -60, data));
    // The phone probes, then still sends through A before it turns to B.
    st.event(&event(
        2,
        true,
        MacAddr::BROADCAST,
        -60,
        EventKind::ProbeRequest,
    ));
    st.event(&event(3, true, a, -60, data));
    let auth = |sequence| EventKind::Auth {
        algorithm: 0,
        sequence,
        status: 0,
    };
    st.event(&event(4, true, b, -60, auth(1)));
    st.event(&event(5, false, b, -60, auth(2)));
    let req = AssocRequest::new(true, Some(a));
    st.event(&event(6, true, b, -60, EventKind::AssocRequest(req)));
    st.event(&event(
        7,
        false,
        b,
        -60,
        EventKind::AssocResponse {
            reassociation: true,
            status: 0,
            cckm_element: false,
            fast_transition: false,
        },
    ));
    st.event(&event(8, true, b, -60, data));
    let r = st.finish(
        &HashMap::new(),
        &HashMap::new(),
        &super::super::Coverage::default(),
        &super::super::Named::every(),
        i64::MAX,
    );
    let roam = &r.roams[0];
    let names: Vec<&str> = roam.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "scanning",
            "leaving",
            "authentication",
            "reassociation",
            "resuming"
        ]
    );
    assert_eq!(
        roam.wireshark_filter,
        "wlan.addr==02:00:00:00:00:01 && frame.number>=2 && frame.number<=8"
    );
}

#[test]
fn ft_over_the_ds_is_told_from_the_ft_request_through_the_old_ap() {
    let (a, b) = (MacAddr([0, 1, 0, 0, 0, 1]), MacAddr([0, 1, 0, 0, 0, 2]));
    let data = EventKind::Data {
        protected: true,
        null: false,
    };
    let mut st = Station::new(0, MacAddr([2, 0, 0, 0, 0, 1]), Config::default());
    st.event(&event(1, true, a, -60, data));
    st.event(&event(
        2,
        true,
        a,
        -60,
        EventKind::FtAction {
            action: 1,
            target_ap: b,
            status: None,
        },
    ));
    st.event(&event(
        3,
        false,
        a,
        -50,
        EventKind::FtAction {
            action: 2,
            target_ap: b,
            status: Some(0),
        },
    ));
    let req = AssocRequest {
        key_management: Some(roamgap_wire::dot11::ie::KeyManagement::FtPsk),
        pmkid: true,
        mobility_domain: true,
        fast_transition: true,
        ..AssocRequest::new(true, Some(a))
    };
    st.event(&event(4, true, b, -50, EventKind::AssocRequest(req)));
    st.event(&event(
        5,
        false,
        b,
        -50,
        EventKind::AssocResponse {
            reassociation: true,
            status: 0,
            cckm_element: false,
            fast_transition: true,
        },
    ));
    st.event(&event(6, true, b, -50, data));
    let r = st.finish(
        &HashMap::new(),
        &HashMap::new(),
        &super::super::Coverage::default(),
        &super::super::Named::every(),
        i64::MAX,
    );
    assert_eq!(
        (r.roams[0].fast_path_offered, r.roams[0].fast_path_taken),
        (crate::analysis::FastPath::FtOverDs, Some(true))
    );
}

/// A station on A authenticates with B twice, B never answers, and it goes on sending through
/// A: no roam (no (re)association request), a note that names the attempt.
#[test]
fn an_authentication_never_followed_by_a_request_is_a_note_not_a_roam() {
    let (a, b) = (MacAddr([0, 1, 0, 0, 0, 1]), MacAddr([0, 1, 0, 0, 0, 2]));
    let data = EventKind::Data {
        protected: true,
        null: false,
    };
    let auth = |sequence, status| EventKind::Auth {
        algorithm: 0,
        sequence,
        status,
    };
    for (answer, words) in [
        (None, "2 requests, never answered"),
        (Some(17), "2 requests, refused with status 17"),
    ] {
        let mut st = Station::new(0, MacAddr([2, 0, 0, 0, 0, 1]), Config::default());
        st.event(&event(1, true, a, -60, data));
        st.event(&event(2, true, b, -60, auth(1, 0)));
        st.event(&event(3, true, b, -60, auth(1, 0)));
        if let Some(s) = answer {
            st.event(&event(4, false, b, -60, auth(2, s)));
        }
        st.event(&event(5, true, a, -60, data));
        let r = st.finish(
            &HashMap::new(),
            &HashMap::new(),
            &super::super::Coverage::default(),
            &super::super::Named::every(),
            i64::MAX,
        );
        assert!(r.roams.is_empty());
        assert_eq!(r.notes.len(), 1);
        let n = &r.notes[0];
        assert_eq!(n.frame, 2);
        assert!(
            n.message
                .contains(&format!("authenticated with {b} (frames 2-"))
                && n.message.contains(words),
            "{}",
            n.message
        );
    }
}
