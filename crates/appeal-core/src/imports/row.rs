//! One row of a file turned into a person and their signature, or a reason to refuse it.

use csv::StringRecord;

use super::mapping::{ColumnMapping, Field};
use crate::signatories::{self, SignatoryFields, Subscription};

/// A row ready to store.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub fields: SignatoryFields,
    pub signed_at: Option<String>,
    pub comment: Option<String>,
    pub key: Option<String>,
    /// Cells whose line breaks were folded (see [`signatories::fold_line_breaks`]).
    pub folded: Vec<signatories::FoldedCell>,
}

/// "yes", "да", "ja", "1", "true", "x" ... as a yes/no; `None` when not recognised.
pub fn parse_yes_no(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "x" | "on" | "да" | "д" | "ja" | "j" | "oui" | "sí" | "si"
        | "subscribed" | "opt-in" | "optin" | "confirmed" | "checked" => Some(true),
        "no" | "n" | "false" | "0" | "off" | "нет" | "н" | "nein" | "non" | "unsubscribed"
        | "opt-out" | "optout" | "unchecked" | "-" => Some(false),
        _ => None,
    }
}

fn set_once(slot: &mut Option<String>, value: &str) {
    if slot.is_none() {
        *slot = Some(value.to_string());
    }
}

/// Converts one record. `source` names the file for the consent record. Without a
/// `petition` there is no signature to hold a row's date of signing and comment, so they are
/// kept as custom fields of the person, under their column's header, rather than dropped.
pub(crate) fn convert(
    rec: &StringRecord,
    mapping: &[ColumnMapping],
    source: &str,
    petition: bool,
) -> Result<Draft, String> {
    if rec.len() > mapping.len() && rec.iter().skip(mapping.len()).any(|c| !c.trim().is_empty()) {
        return Err(format!(
            "the row has {} cells but the header has {} columns",
            rec.len(),
            mapping.len()
        ));
    }
    let mut d = Draft::default();
    let mut full_name: Option<String> = None;
    for (col, raw) in mapping.iter().zip(rec.iter()) {
        let v = raw.trim();
        if v.is_empty() {
            continue;
        }
        let f = &mut d.fields;
        match col.field {
            Field::FirstName => set_once(&mut f.first_name, v),
            Field::LastName => set_once(&mut f.last_name, v),
            Field::FullName => set_once(&mut full_name, v),
            Field::Email => set_once(&mut f.email, v),
            Field::Phone => set_once(&mut f.phone, v),
            Field::Street => set_once(&mut f.street, v),
            Field::Postcode => set_once(&mut f.postcode, v),
            Field::Town => set_once(&mut f.town, v),
            Field::Country => set_once(&mut f.country, v),
            Field::Language => set_once(&mut f.language, &v.to_lowercase()),
            Field::ConsentDate => set_once(&mut f.consent_at, v),
            Field::Consent => {
                let yes = parse_yes_no(v)
                    .ok_or_else(|| format!("{} '{v}' is neither yes nor no", col.header))?;
                f.consent.get_or_insert(yes);
            }
            Field::Subscription => {
                let yes = parse_yes_no(v).ok_or_else(|| {
                    format!(
                        "{} '{v}' is neither subscribed nor unsubscribed",
                        col.header
                    )
                })?;
                if f.subscription == Subscription::Unknown {
                    f.subscription = if yes {
                        Subscription::Subscribed
                    } else {
                        Subscription::Unsubscribed
                    };
                }
            }
            Field::Tags => f.tags.extend(
                v.split([',', ';', '|'])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            ),
            Field::SignedAt if petition => set_once(&mut d.signed_at, v),
            Field::Comment if petition => set_once(&mut d.comment, raw),
            Field::Custom | Field::SignedAt | Field::Comment => {
                f.custom
                    .entry(col.header.clone())
                    .or_insert_with(|| raw.to_string());
            }
            Field::Ignore => {}
        }
    }
    if let Some(full) = full_name {
        if d.fields.first_name.is_none() && d.fields.last_name.is_none() {
            match full.rsplit_once(char::is_whitespace) {
                Some((first, last)) => {
                    d.fields.first_name = Some(first.trim().to_string());
                    d.fields.last_name = Some(last.to_string());
                }
                None => d.fields.first_name = Some(full),
            }
        } else {
            d.fields.custom.insert("full name".into(), full);
        }
    }
    if d.fields.consent.is_some() && d.fields.consent_source.is_none() {
        d.fields.consent_source = Some(format!("import of {source}"));
    }
    for value in [&d.signed_at, &d.comment].into_iter().flatten() {
        if value.contains('\0') {
            return Err("the row contains a NUL byte".into());
        }
        if value.chars().count() > 10_000 {
            return Err("the comment is longer than 10000 characters".into());
        }
    }
    d.folded = signatories::fold_line_breaks(&mut d.fields);
    signatories::check(&d.fields)?;
    d.key = signatories::dedupe_key(&d.fields);
    Ok(d)
}

/// Trims every text and turns empty ones into `None`, as rows from files are.
pub fn tidy(mut f: SignatoryFields) -> SignatoryFields {
    for slot in [
        &mut f.first_name,
        &mut f.last_name,
        &mut f.email,
        &mut f.phone,
        &mut f.street,
        &mut f.postcode,
        &mut f.town,
        &mut f.country,
        &mut f.language,
        &mut f.consent_at,
        &mut f.consent_source,
    ] {
        *slot = slot
            .take()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
    }
    f.tags.retain(|t| !t.trim().is_empty());
    f.custom.retain(|_, v| !v.trim().is_empty());
    f
}

/// What happens to a person who is already there when a row brings them again.
pub(crate) fn merge(
    existing: &SignatoryFields,
    incoming: &SignatoryFields,
    policy: super::OnExisting,
) -> SignatoryFields {
    use super::OnExisting::*;
    let pick = |old: &Option<String>, new: &Option<String>| match policy {
        FillBlanks => old.clone().or_else(|| new.clone()),
        Overwrite => new.clone().or_else(|| old.clone()),
        Keep => old.clone(),
    };
    let mut out = SignatoryFields {
        first_name: pick(&existing.first_name, &incoming.first_name),
        last_name: pick(&existing.last_name, &incoming.last_name),
        email: pick(&existing.email, &incoming.email),
        phone: pick(&existing.phone, &incoming.phone),
        street: pick(&existing.street, &incoming.street),
        postcode: pick(&existing.postcode, &incoming.postcode),
        town: pick(&existing.town, &incoming.town),
        country: pick(&existing.country, &incoming.country),
        language: pick(&existing.language, &incoming.language),
        consent: match policy {
            FillBlanks => existing.consent.or(incoming.consent),
            Overwrite => incoming.consent.or(existing.consent),
            Keep => existing.consent,
        },
        consent_at: pick(&existing.consent_at, &incoming.consent_at),
        consent_source: pick(&existing.consent_source, &incoming.consent_source),
        subscription: match (policy, existing.subscription, incoming.subscription) {
            (Keep, old, _) => old,
            (_, old, Subscription::Unknown) => old,
            (FillBlanks, Subscription::Unknown, new) => new,
            (FillBlanks, old, _) => old,
            (Overwrite, _, new) => new,
        },
        tags: existing.tags.clone(),
        custom: existing.custom.clone(),
    };
    if policy != Keep {
        for t in &incoming.tags {
            if !out.tags.contains(t) {
                out.tags.push(t.clone());
            }
        }
        for (k, v) in &incoming.custom {
            if policy == Overwrite || !out.custom.contains_key(k) {
                out.custom.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::mapping::Field;
    use crate::signatories::{SignatoryFields, fold_line_breaks};

    #[test]
    fn every_field_a_fold_names_is_a_mapping_field() {
        let two = || Some("a\nb".to_string());
        let mut f = SignatoryFields {
            first_name: two(),
            last_name: two(),
            phone: two(),
            postcode: two(),
            town: two(),
            country: two(),
            street: two(),
            ..Default::default()
        };
        let folded = fold_line_breaks(&mut f);
        assert_eq!(
            folded.len(),
            6,
            "the street keeps its lines and is not listed"
        );
        for cell in folded {
            assert!(Field::parse(cell.field).is_ok(), "{}", cell.field);
        }
        assert_eq!(f.street.as_deref(), Some("a\nb"));
        assert_eq!(
            (f.town.as_deref(), f.first_name.as_deref()),
            (Some("a, b"), Some("a b"))
        );
    }
}
