//! Action frames (9.6): ADDTS exchanges of WMM (category 17, WMM spec 2.2.10) and of
//! 802.11 QoS (category 1, 9.6.2.2/9.6.2.3), and FT over-the-DS frames (category 6, 9.6.8).

use super::bytes::{self, Field};
use super::ie::{Elements, Tspec};
use super::{need, MacAddr, Result};

/// The fixed fields of the action frames read here (9.6.2.2, 9.6.2.3, 9.6.8; WMM 2.2.10).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod field {
    use super::Field;

    pub(crate) const CATEGORY: Field = 0..1;
    pub(crate) const ACTION: Field = 1..2;
    /// ADDTS: Dialog Token.
    pub(crate) const DIALOG_TOKEN: Field = 2..3;
    /// WMM ADDTS: status code (one byte; zero in requests).
    pub(crate) const WMM_STATUS: Field = 3..4;
    /// 802.11 ADDTS response: status code (9.4.1.9).
    pub(crate) const QOS_STATUS: Field = 3..5;
    /// FT action: STA Address, Target AP Address, Status Code (response and ack).
    pub(crate) const FT_STA: Field = 2..8;
    pub(crate) const FT_TARGET_AP: Field = 8..14;
    pub(crate) const FT_STATUS: Field = 14..16;
}

pub(crate) mod category {
    pub(crate) const QOS: u8 = 1;
    pub(crate) const FAST_BSS_TRANSITION: u8 = 6;
    pub(crate) const WMM: u8 = 17;
}

/// Which ADDTS dialect a frame uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AddtsKind {
    Wmm,
    Qos,
}

/// An ADDTS request or response.
#[derive(Clone, Debug)]
pub struct Addts<'a> {
    pub kind: AddtsKind,
    pub response: bool,
    pub dialog_token: u8,
    /// Response status: one byte in WMM (0 accepted, 1 invalid parameters, 3 refused),
    /// a 9.4.1.9 status code in 802.11 QoS.
    pub status: Option<u16>,
    elements: Elements<'a>,
}

impl<'a> Addts<'a> {
    /// Decodes an action frame body if it is an ADDTS request or response.
    pub fn parse(body: &'a [u8]) -> Result<Option<Addts<'a>>> {
        need("action frame", field::ACTION.end, body.len())?;
        let (cat, action) = (body[field::CATEGORY.start], body[field::ACTION.start]);
        let (kind, response) = match (cat, action) {
            (category::WMM, 0) | (category::QOS, 0) => (
                if cat == category::WMM {
                    AddtsKind::Wmm
                } else {
                    AddtsKind::Qos
                },
                false,
            ),
            (category::WMM, 1) | (category::QOS, 1) => (
                if cat == category::WMM {
                    AddtsKind::Wmm
                } else {
                    AddtsKind::Qos
                },
                true,
            ),
            _ => return Ok(None),
        };
        let (status, elements_at) = match (kind, response) {
            (AddtsKind::Wmm, _) => {
                need("WMM ADDTS", field::WMM_STATUS.end, body.len())?;
                let status = u16::from(body[field::WMM_STATUS.start]);
                (response.then_some(status), field::WMM_STATUS.end)
            }
            (AddtsKind::Qos, false) => {
                need("ADDTS request", field::DIALOG_TOKEN.end, body.len())?;
                (None, field::DIALOG_TOKEN.end)
            }
            (AddtsKind::Qos, true) => {
                need("ADDTS response", field::QOS_STATUS.end, body.len())?;
                (
                    Some(bytes::le16(body, field::QOS_STATUS)),
                    field::QOS_STATUS.end,
                )
            }
        };
        Ok(Some(Addts {
            kind,
            response,
            dialog_token: body[field::DIALOG_TOKEN.start],
            status,
            elements: Elements::new(&body[elements_at..], elements_at),
        }))
    }

    /// The first TSPEC the frame carries.
    pub fn tspec(&self) -> Option<Tspec<'a>> {
        self.elements
            .clone()
            .map_while(|e| e.ok())
            .find_map(|e| Tspec::from_element(&e))
    }

    pub fn elements(&self) -> Elements<'a> {
        self.elements.clone()
    }
}

/// An FT action frame (over-the-DS fast transition through the current AP).
#[derive(Clone, Copy, Debug)]
pub struct FtAction {
    /// 1 request, 2 response, 3 confirm, 4 ack.
    pub action: u8,
    pub station: MacAddr,
    pub target_ap: MacAddr,
    pub status: Option<u16>,
}

impl FtAction {
    pub fn parse(body: &[u8]) -> Result<Option<FtAction>> {
        need("action frame", field::ACTION.end, body.len())?;
        let action = body[field::ACTION.start];
        if body[field::CATEGORY.start] != category::FAST_BSS_TRANSITION
            || !(1..=4).contains(&action)
        {
            return Ok(None);
        }
        let with_status = action == 2 || action == 4;
        need(
            "FT action",
            if with_status {
                field::FT_STATUS.end
            } else {
                field::FT_TARGET_AP.end
            },
            body.len(),
        )?;
        Ok(Some(FtAction {
            action,
            station: MacAddr(bytes::array(body, field::FT_STA)),
            target_ap: MacAddr(bytes::array(body, field::FT_TARGET_AP)),
            status: with_status.then(|| bytes::le16(body, field::FT_STATUS)),
        }))
    }
}

/// WMM ADDTS status names (WMM spec Table 14).
pub fn wmm_status_name(status: u16) -> &'static str {
    match status {
        0 => "admission accepted",
        1 => "invalid parameters",
        3 => "refused",
        _ => "reserved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wmm_addts_response() {
        let mut body = vec![17, 1, 42, 3];
        body.extend([221, 61, 0x00, 0x50, 0xf2, 2, 2, 1, 0xec, 0x30, 0x00]);
        body.extend([0u8; 52]);
        let a = Addts::parse(&body).unwrap().unwrap();
        assert_eq!(
            (a.kind, a.response, a.dialog_token, a.status),
            (AddtsKind::Wmm, true, 42, Some(3))
        );
        let t = a.tspec().unwrap();
        assert_eq!((t.tid(), t.user_priority()), (6, 6));
        assert!(Addts::parse(&[17, 1, 42]).is_err());
        assert!(Addts::parse(&[17, 2, 0, 0]).unwrap().is_none());
    }

    #[test]
    fn qos_addts_response_has_two_byte_status() {
        let body = [1, 1, 7, 47, 0];
        let a = Addts::parse(&body).unwrap().unwrap();
        assert_eq!(
            (a.kind, a.status, a.tspec().is_none()),
            (AddtsKind::Qos, Some(47), true)
        );
    }

    #[test]
    fn ft_action() {
        let mut body = vec![6, 2];
        body.extend([0, 0x22, 0x55, 1, 2, 3, 0, 0x23, 0xea, 0, 0, 2, 0, 0]);
        let f = FtAction::parse(&body).unwrap().unwrap();
        assert_eq!(
            (f.action, f.status, f.target_ap.to_string()),
            (2, Some(0), "00:23:ea:00:00:02".to_string())
        );
    }
}
