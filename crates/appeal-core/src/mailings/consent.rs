//! Consent at the audience: how many of the people a mailing's filter selects said yes, said
//! no, or are not known to have said anything, and who a mailing to supporters leaves out.
//!
//! Letters to supporters go only to people whose consent is yes unless the organiser widens it
//! ([`Consent`]); letters a signatory sends to a target are their own act under the petition's
//! terms, so no consent to be contacted is asked of them.

use serde::Serialize;
use ts_rs::TS;

use super::{AudienceFilter, AudienceKind, Consent, Mailing};
use crate::db::Db;
use crate::error::Result;

/// The next page of people after `?1`, filtered as the mailing says.
/// Correlated EXISTS, not `id IN (SELECT ...)`: SQLite would build the whole IN list again
/// for every page, which made merging a million letters quadratic.
/// Who a mailing's filter selects, for the audience's pages and for the consent counts:
/// ?2 petition, ?3 consent level ([`Consent::level`]), ?4 tag, ?5 country, ?6 language,
/// ?8 campaign (?1 and ?7 are the pages' position and size).
pub(super) const SELECTED: &str = "
           (?2 IS NULL OR EXISTS (SELECT 1 FROM signatures s
                                  WHERE s.signatory_id = signatories.id AND s.petition_id = ?2))
           AND (?3 = 0 OR consent = 1 OR (?3 = 1 AND consent IS NULL))
           AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(signatories.tags) WHERE value = ?4))
           AND (?5 IS NULL OR country = ?5 COLLATE NOCASE)
           AND (?6 IS NULL OR language = ?6 COLLATE NOCASE)
           AND EXISTS (SELECT 1 FROM signatures s JOIN petitions p ON p.id = s.petition_id
                       WHERE s.signatory_id = signatories.id AND p.campaign_id = ?8)";

/// The people a filter selects, by what they said about being contacted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ConsentCounts {
    pub given: i64,
    pub refused: i64,
    pub unknown: i64,
}

impl ConsentCounts {
    /// Counts `n` people whose stored consent is `consent`.
    pub(crate) fn add(&mut self, consent: Option<bool>, n: i64) {
        match consent {
            Some(true) => self.given += n,
            Some(false) => self.refused += n,
            None => self.unknown += n,
        }
    }

    /// How many a mailing to supporters with this rule reaches.
    pub fn reached(&self, consent: Consent) -> i64 {
        match consent {
            Consent::Given => self.given,
            Consent::GivenOrUnknown => self.given + self.unknown,
            Consent::Everyone => self.given + self.unknown + self.refused,
        }
    }
}

/// Why a person is not among a mailing's recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LeftOutReason {
    /// Their list said no to being contacted.
    Refused,
    /// Their list did not say; the mailing asks for a yes.
    Unknown,
}

impl LeftOutReason {
    pub fn sentence(self) -> &'static str {
        match self {
            LeftOutReason::Refused => "said no to being contacted",
            LeftOutReason::Unknown => "has not said whether they may be contacted",
        }
    }
}

/// A person the consent rule leaves out of a mailing to supporters.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LeftOut {
    pub signatory_id: i64,
    pub label: String,
    pub reason: LeftOutReason,
}

/// Why a stored consent (`Some(true)`, `Some(false)`, `None`) keeps a person out under
/// `rule`, if it does.
pub(crate) fn left_out(rule: Consent, consent: Option<bool>) -> Option<LeftOutReason> {
    match (rule, consent) {
        (_, Some(true)) | (Consent::Everyone, _) => None,
        (_, Some(false)) => Some(LeftOutReason::Refused),
        (Consent::Given, None) => Some(LeftOutReason::Unknown),
        (Consent::GivenOrUnknown, None) => None,
    }
}

/// What the check says about consent for a mailing of this kind, in a sentence.
pub(crate) fn note(mailing: &Mailing, counts: &ConsentCounts) -> String {
    match mailing.audience {
        AudienceKind::Signatories => {
            let rule = match mailing.filter.consent {
                Consent::Given => "only to people who said yes to being contacted",
                Consent::GivenOrUnknown => {
                    "to people who said yes and to people whose consent is not known"
                }
                Consent::Everyone => {
                    "to everyone selected, including people who said no (widened on purpose)"
                }
            };
            format!(
                "Letters go {rule}: {} of {} selected ({} said yes, {} said no, {} unknown).",
                counts.reached(mailing.filter.consent),
                counts.given + counts.refused + counts.unknown,
                counts.given,
                counts.refused,
                counts.unknown
            )
        }
        AudienceKind::SignatoriesToTargets => "Each letter goes to a target on a signatory's \
             behalf: it is the signatory's own act and follows the petition's terms, so their \
             consent to be contacted is not asked."
            .into(),
        AudienceKind::Targets => "Letters go to targets only; no supporter is written to.".into(),
    }
}

/// The people `filter` selects in a campaign, by consent (the consent rule itself left aside).
pub async fn consent_counts(
    db: &Db,
    campaign_id: i64,
    filter: &AudienceFilter,
) -> Result<ConsentCounts> {
    // The audience's own selection, with the consent rule left aside (level 0) and no page.
    let sql = format!(
        "SELECT consent, COUNT(*) FROM signatories
         WHERE ?1 IS NULL AND ?7 IS NULL AND {SELECTED} GROUP BY consent"
    );
    let rows: Vec<(Option<bool>, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(None::<i64>)
        .bind(filter.petition_id)
        .bind(Consent::Everyone.level())
        .bind(&filter.tag)
        .bind(&filter.country)
        .bind(&filter.language)
        .bind(None::<i64>)
        .bind(campaign_id)
        .fetch_all(db.pool())
        .await?;
    let mut counts = ConsentCounts::default();
    for (consent, n) in rows {
        counts.add(consent, n);
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_leaves_out_whom_it_should_and_says_why() {
        use LeftOutReason::*;
        let cases = [
            (Consent::Given, [None, Some(Refused), Some(Unknown)]),
            (Consent::GivenOrUnknown, [None, Some(Refused), None]),
            (Consent::Everyone, [None, None, None]),
        ];
        for (rule, expected) in cases {
            let got = [Some(true), Some(false), None].map(|c| left_out(rule, c));
            assert_eq!(got, expected, "{rule:?}");
        }
        let counts = ConsentCounts {
            given: 5,
            refused: 2,
            unknown: 3,
        };
        assert_eq!(
            [Consent::Given, Consent::GivenOrUnknown, Consent::Everyone].map(|c| counts.reached(c)),
            [5, 8, 10]
        );
    }
}
