//! The kinds of roam a phone makes, each planned as the frames of its phases.

use super::frames::{self, KeyMsg};
use super::sim::{KeyMgmt, Mark, Sim, Tag};
use super::{MS, US};
use roamgap::analysis::Outcome;
use roamgap_wire::dot11::subtype as st;

/// What happens in a roam: the phases it is planned with, and how it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RoamKind {
    CckmOk,
    /// A healthy CCKM roam made after a refused one and a wait of 250-350 ms.
    CckmAfterWait,
    CckmMissingIe,
    PskOk,
    PskLateM1,
    FtOk,
    AddtsRefused,
    AddtsOk,
    DeauthAfterRoam,
    Dot1xFull,
    ReassocRefused,
    SaeOk,
    OkcOk,
    OpenOk,
    /// CCKM with a TSPEC to an AP without the TSPEC's 12 Mb/s: ADDTS refused.
    TspecRate,
    /// CCKM whose reassociation response comes late (a busy controller).
    SlowResponse,
    /// The new AP never answers; the phone gives up and goes back to its old AP.
    Unanswered,
    /// The new AP accepts, the phone never answers its EAPOL message 1 and goes back.
    Abandoned,
}

impl RoamKind {
    /// Timed to silence the call well past the voice budget (hundreds of ms or more): a full
    /// EAP exchange, a late EAPOL message 1, a deauthentication and a second association, a
    /// refusal and a wait. Every other kind that completes resumes the voice within tens of ms.
    pub(super) fn long_silence(self) -> bool {
        matches!(
            self,
            RoamKind::CckmMissingIe
                | RoamKind::PskLateM1
                | RoamKind::Dot1xFull
                | RoamKind::DeauthAfterRoam
                | RoamKind::CckmAfterWait
        )
    }
}

/// What a roam's plan knows before the frames are numbered.
pub(super) struct RoamPlan {
    pub(super) kind: RoamKind,
    pub(super) phone: usize,
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) cckm_in_request: bool,
    pub(super) cckm_in_response: bool,
    pub(super) tspec: bool,
    /// The (re)association response's status; None when the AP never answers.
    pub(super) status: Option<u16>,
    /// What the scenario makes of the roam: completed, refused, unanswered or abandoned.
    pub(super) outcome: Outcome,
    /// The phone held on to its old AP until it was heard very weakly there (a sticky
    /// client), for the seconds before this roam.
    pub(super) sticky: bool,
}

impl Sim {
    /// Plans one roam of phone `p` leaving its AP at `leave`; returns when voice may resume.
    pub(super) fn roam(&mut self, p: usize, kind: RoamKind, leave: i64) -> i64 {
        let from = self.ap_at(p, leave);
        let to = self.pick_other_ap(&[from]);
        let ready = self.roam_to(p, kind, leave, from, to);
        self.phones[p].outages.push((leave, ready));
        ready
    }

    /// Plans a roam of phone `p` from AP `from` to AP `to`, leaving at `leave`: its phases
    /// by kind. Returns when its voice may resume.
    pub(super) fn roam_to(
        &mut self,
        p: usize,
        kind: RoamKind,
        leave: i64,
        from: usize,
        to: usize,
    ) -> i64 {
        match kind {
            RoamKind::Unanswered => return self.roam_unanswered(p, leave, from, to),
            RoamKind::Abandoned => return self.roam_abandoned(p, leave, from, to),
            _ => {}
        }
        let roam = self.roams.len();
        let t = self.approach(p, kind, leave, from, to, roam);
        let t = self.reassociate(p, kind, from, to, roam, t);
        if kind == RoamKind::ReassocRefused {
            return self.roam_after_refusal(p, from, to, t);
        }
        let t = self.complete(p, kind, to, roam, t);
        let ready = t + self.rng.range(1000, 3000) * US;
        self.phones[p].attachments.push((ready, to));
        ready
    }

    /// What comes before the reassociation request: a sticky phone heard weakly on its old
    /// AP, the FT exchange over the DS, scanning, and the authentication with the new AP.
    /// Returns when the phone sends its request.
    fn approach(
        &mut self,
        p: usize,
        kind: RoamKind,
        leave: i64,
        from: usize,
        to: usize,
        roam: usize,
    ) -> i64 {
        let km = self.phones[p].km;
        if self.phones[p].sticky {
            // Heard ever more weakly on the old AP for the seconds before it gives up.
            self.phones[p]
                .weak
                .push((leave - 2500 * MS, leave + 1, from));
        }
        if km == KeyMgmt::FtDs {
            // Over the DS the phone asks its old AP while the call still flows through it.
            let ask = leave - self.rng.range(30, 60) * MS;
            self.ft_over_ds(ask, p, from, to, roam);
        }
        let mut t = leave + self.rng.range(3, 12) * MS;
        if self.phones[p].scans {
            t = self.scan(t, p, from, to, roam);
        }
        if km != KeyMgmt::FtDs {
            t = self.auth_for(t, p, to, kind == RoamKind::FtOk, Some(roam));
        }
        t + self.rng.range(800, 2000) * US
    }

    /// Plans roam `roam` and writes its reassociation request at `t` and the new AP's
    /// response (refused with status 17 for [`RoamKind::ReassocRefused`]). Returns a moment
    /// after the response.
    fn reassociate(
        &mut self,
        p: usize,
        kind: RoamKind,
        from: usize,
        to: usize,
        roam: usize,
        t: i64,
    ) -> i64 {
        let cckm = self.phones[p].km == KeyMgmt::Cckm;
        let refused = kind == RoamKind::ReassocRefused;
        let status = if refused { 17 } else { 0 };
        let cckm_resp = cckm && !matches!(kind, RoamKind::CckmMissingIe | RoamKind::ReassocRefused);
        let tspec = kind == RoamKind::TspecRate
            || (cckm
                && matches!(
                    kind,
                    RoamKind::CckmOk | RoamKind::CckmAfterWait | RoamKind::CckmMissingIe
                )
                && self.rng.chance(2));
        self.roams.push(RoamPlan {
            kind,
            phone: p,
            from,
            to,
            cckm_in_request: cckm,
            cckm_in_response: cckm_resp,
            tspec,
            status: Some(status),
            outcome: if refused {
                Outcome::Refused
            } else {
                Outcome::Completed
            },
            sticky: self.phones[p].sticky,
        });
        self.slow_response = kind == RoamKind::SlowResponse;
        if self.phones[p].old_ap_retries {
            // The network goes on sending the phone's downlink voice to the old AP for 40 ms
            // after the request (until it learns where the phone went): undeliverable.
            self.phones[p].failed.push((t + MS, t + 41 * MS, from));
        }
        let t = self.associate(
            t,
            p,
            Some(from),
            to,
            cckm,
            cckm_resp,
            tspec,
            status,
            Some(roam),
        );
        self.slow_response = false;
        t + self.rng.range(1000, 3000) * US
    }

    /// After a refused reassociation the phone tries a third AP, which accepts: at once (the
    /// whole silence tens of ms), or, a phone that scanned first, after 250-350 ms more
    /// (hundreds of ms). Returns when its voice resumes there.
    fn roam_after_refusal(&mut self, p: usize, from: usize, to: usize, t: i64) -> i64 {
        let third = self.pick_other_ap(&[from, to]);
        let scans = std::mem::replace(&mut self.phones[p].scans, false);
        let (wait, next) = if scans {
            ((250, 350), RoamKind::CckmAfterWait)
        } else {
            ((20, 60), RoamKind::CckmOk)
        };
        let leave_again = t + self.rng.range(wait.0, wait.1) * MS;
        let ready = self.roam_to(p, next, leave_again, from, third);
        self.phones[p].scans = scans;
        ready
    }

    /// What follows an accepted reassociation with AP `to`, by kind of roam: nothing, the
    /// 4-way handshake, EAP, ADDTS, a deauthentication and a second association. Returns the
    /// time of its last frame.
    fn complete(&mut self, p: usize, kind: RoamKind, to: usize, roam: usize, t: i64) -> i64 {
        match kind {
            RoamKind::CckmOk
            | RoamKind::CckmAfterWait
            | RoamKind::FtOk
            | RoamKind::OpenOk
            | RoamKind::SlowResponse => t,
            // Written whole by `roam_unanswered`, `roam_abandoned` and `roam_after_refusal`.
            RoamKind::Unanswered | RoamKind::Abandoned | RoamKind::ReassocRefused => t,
            RoamKind::SaeOk | RoamKind::OkcOk | RoamKind::PskOk => {
                self.four_way(t, p, to, Some(roam), 0)
            }
            RoamKind::TspecRate => self.addts(t, p, to, 3, roam),
            RoamKind::CckmMissingIe => self.cckm_without_key_context(p, to, roam, t),
            RoamKind::PskLateM1 => {
                let retries = if self.rng.chance(4) { 2 } else { 1 };
                self.four_way(t, p, to, Some(roam), retries)
            }
            RoamKind::AddtsRefused | RoamKind::AddtsOk => {
                let status = if kind == RoamKind::AddtsRefused { 3 } else { 0 };
                self.addts(t, p, to, status, roam)
            }
            RoamKind::DeauthAfterRoam => self.deauth_after_handshake(p, to, roam, t),
            RoamKind::Dot1xFull => {
                // A full EAP method (PEAP, EAP-TLS) through a RADIUS server: 6-9 round trips of
                // 30-60 ms.
                let rounds = self.rng.range(6, 10) as u32;
                let t = self.eap(t, p, to, rounds, (30, 60), roam);
                let t = t + self.rng.range(2, 6) * MS;
                self.four_way(t, p, to, Some(roam), 0)
            }
        }
    }

    /// The new AP has no CCKM key context for the phone: the phone goes straight to 802.1X,
    /// or the AP deauthenticates it (reason 2) and it authenticates and associates again
    /// first; then a full EAP exchange and the 4-way handshake. Returns M4's time.
    fn cckm_without_key_context(&mut self, p: usize, to: usize, roam: usize, t: i64) -> i64 {
        let mut t = t;
        if !self.rng.chance(3) {
            t += self.rng.range(120, 320) * MS;
            self.mgmt(
                t,
                p,
                to,
                st::DEAUTH,
                false,
                &2u16.to_le_bytes(),
                Tag::Roam {
                    roam,
                    mark: Mark::Deauth(2),
                },
            );
            t += self.rng.range(3, 20) * MS;
            t = self.auth(t, p, to, false) + self.rng.range(800, 2000) * US;
            t = self.associate(t, p, None, to, true, false, false, 0, None);
            t += self.rng.range(1, 4) * MS;
        }
        let rounds = self.rng.range(6, 11) as u32;
        t = self.eap(t, p, to, rounds, (40, 90), roam);
        t += self.rng.range(2, 6) * MS;
        self.four_way(t, p, to, Some(roam), 0)
    }

    /// The 4-way handshake, then the AP gives up on the station's key context a while after
    /// it: a deauthentication (reason 2, 6 or 7), a second authentication, association and
    /// 4-way handshake. Returns the second M4's time.
    fn deauth_after_handshake(&mut self, p: usize, to: usize, roam: usize, t: i64) -> i64 {
        let mut t = self.four_way(t, p, to, Some(roam), 0);
        t += self.rng.range(200, 350) * MS;
        let reason = [2u16, 6, 7][self.rng.range(0, 3) as usize];
        self.mgmt(
            t,
            p,
            to,
            st::DEAUTH,
            false,
            &reason.to_le_bytes(),
            Tag::Roam {
                roam,
                mark: Mark::Deauth(reason),
            },
        );
        t += self.rng.range(5, 30) * MS;
        t = self.auth(t, p, to, false) + self.rng.range(800, 2000) * US;
        t = self.associate(t, p, None, to, false, false, false, 0, None);
        t += self.rng.range(2, 6) * MS;
        self.four_way(t, p, to, None, 0)
    }

    /// A PSK phone deauthenticated by its AP (reason 1) tries another AP that never answers:
    /// one authentication request, then four reassociation requests (Current AP: the old AP)
    /// about 4.5 s apart, with Null frames (power management) to that AP in between; it gives
    /// up with a deauthentication (reason 3) and goes back: authentication, association and
    /// 4-way handshake with its old AP. Returns when its voice resumes there.
    pub(super) fn roam_unanswered(&mut self, p: usize, leave: i64, from: usize, to: usize) -> i64 {
        let roam = self.plan_failed(
            RoamKind::Unanswered,
            p,
            (from, to),
            None,
            Outcome::Unanswered,
        );
        let mark = |m| Tag::Roam { roam, mark: m };
        self.mgmt(
            leave,
            p,
            from,
            st::DEAUTH,
            false,
            &1u16.to_le_bytes(),
            Tag::None,
        );
        let mut t = leave + self.rng.range(20, 60) * MS;
        // Open System authentication, transaction 1 (9.4.1.1, 9.4.1.2): never answered.
        self.mgmt(
            t,
            p,
            to,
            st::AUTH,
            true,
            &[0, 0, 1, 0, 0, 0],
            mark(Mark::AuthStart),
        );
        t += self.rng.range(5, 15) * MS;
        self.silent_ap = true;
        for i in 0..4 {
            if i > 0 {
                t += self.rng.range(4300, 4700) * MS;
            }
            self.associate(t, p, Some(from), to, false, false, false, 0, Some(roam));
            for _ in 0..3 {
                let n = t + self.rng.range(300, 1200) * MS;
                self.null_frame(n, p, to);
            }
        }
        self.silent_ap = false;
        t += self.rng.range(800, 1200) * MS;
        self.mgmt(
            t,
            p,
            to,
            st::DEAUTH,
            true,
            &3u16.to_le_bytes(),
            mark(Mark::GiveUp(3)),
        );
        t += self.rng.range(20, 60) * MS;
        t = self.auth(t, p, from, false) + self.rng.range(800, 2000) * US;
        t = self.associate(t, p, None, from, false, false, false, 0, None);
        self.resume_on(p, from, t)
    }

    /// The plan of a roam of a PSK phone that fails (no CCKM, no TSPEC); returns its index.
    pub(super) fn plan_failed(
        &mut self,
        kind: RoamKind,
        p: usize,
        (from, to): (usize, usize),
        status: Option<u16>,
        outcome: Outcome,
    ) -> usize {
        self.roams.push(RoamPlan {
            kind,
            phone: p,
            from,
            to,
            cckm_in_request: false,
            cckm_in_response: false,
            tspec: false,
            status,
            outcome,
            sticky: false,
        });
        self.roams.len() - 1
    }

    /// After a failed roam, back on `ap` at `t` (associated): the 4-way handshake, then the
    /// voice resumes there; returns when.
    pub(super) fn resume_on(&mut self, p: usize, ap: usize, t: i64) -> i64 {
        let t = t + self.rng.range(2, 6) * MS;
        let t = self.four_way(t, p, ap, None, 0);
        let ready = t + self.rng.range(1000, 3000) * US;
        self.phones[p].attachments.push((ready, ap));
        ready
    }

    /// A PSK phone roams to an AP that accepts its reassociation, then never answers the AP's
    /// EAPOL message 1 (sent three times, about a second apart); the AP deauthenticates it
    /// (reason 15, 4-way handshake timeout) and the phone reassociates with its old AP
    /// (Current AP: the one that dropped it), then the 4-way handshake there.
    pub(super) fn roam_abandoned(&mut self, p: usize, leave: i64, from: usize, to: usize) -> i64 {
        let roam = self.plan_failed(
            RoamKind::Abandoned,
            p,
            (from, to),
            Some(0),
            Outcome::Abandoned,
        );
        let mark = |m| Tag::Roam { roam, mark: m };
        let mut t = leave + self.rng.range(3, 12) * MS;
        t = self.auth_for(t, p, to, false, Some(roam)) + self.rng.range(800, 2000) * US;
        t = self.associate(t, p, Some(from), to, false, false, false, 0, Some(roam));
        t += self.rng.range(1000, 3000) * US;
        let replay = self.rng.range(1, 50) as u64;
        let nonce = self.rng.next() as u8;
        for i in 0..3u64 {
            let mut m1 = Vec::new();
            frames::eapol_key(&mut m1, KeyMsg::M1, replay + i, nonce);
            self.eapol(t, p, to, false, &m1, mark(Mark::M1));
            t += 1000 * MS + self.rng.range(0, 3000) * US;
        }
        self.mgmt(
            t,
            p,
            to,
            st::DEAUTH,
            false,
            &15u16.to_le_bytes(),
            mark(Mark::Deauth(15)),
        );
        t += self.rng.range(20, 60) * MS;
        t = self.associate(t, p, Some(to), from, false, false, false, 0, None);
        self.resume_on(p, from, t)
    }
}
