//! What a template can name, as minijinja sees it: the recipient (`signatory`), the
//! decision-maker (`target`), `campaign`, `sender` and `today`.

use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object};

use crate::signatories::SignatoryFields;
use crate::targets::TargetFields;

/// What one message is about.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    pub signatory: Option<Arc<SignatoryFields>>,
    pub target: Option<&'a TargetFields>,
    pub campaign_name: &'a str,
    pub sender_name: &'a str,
    pub sender_address: &'a str,
}

impl Context<'_> {
    /// The language a message to this recipient is written in: the target's when writing to
    /// a target, else the signatory's.
    pub fn language(&self) -> Option<&str> {
        match (self.target, &self.signatory) {
            (Some(t), _) => t.language.as_deref(),
            (None, Some(s)) => s.language.as_deref(),
            _ => None,
        }
    }
}

/// A person as a template sees them. Fields are converted when a template asks for them, so
/// a letter that uses three of them pays for three: building the whole map for every letter
/// was most of a merge's rendering time. Empty fields are undefined, as if absent.
#[derive(Debug)]
struct PersonValue(Arc<SignatoryFields>);

fn text(v: &Option<String>) -> Option<Value> {
    v.as_deref().filter(|v| !v.is_empty()).map(Value::from)
}

/// What a template can name on `signatory` (and the editor offers).
pub(crate) const PERSON_KEYS: [&str; 14] = [
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "street",
    "postcode",
    "town",
    "country",
    "language",
    "consent",
    "subscription",
    "tags",
    "custom",
];

impl Object for PersonValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let s = &self.0;
        match key {
            "first_name" => text(&s.first_name),
            "last_name" => text(&s.last_name),
            "full_name" => Some(s.full_name())
                .filter(|n| !n.is_empty())
                .map(Value::from),
            "email" => text(&s.email),
            "phone" => text(&s.phone),
            "street" => text(&s.street),
            "postcode" => text(&s.postcode),
            "town" => text(&s.town),
            "country" => text(&s.country),
            "language" => text(&s.language),
            "consent" => s.consent.map(Value::from),
            "subscription" => Some(Value::from(s.subscription.as_str())),
            "tags" => Some(Value::from(s.tags.clone())),
            "custom" => Some(Value::from_object(CustomValue(self.0.clone()))),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let present: Vec<Value> = PERSON_KEYS
            .iter()
            .filter(|k| self.get_value_by_str(k).is_some())
            .map(|k| Value::from(*k))
            .collect();
        Enumerator::Values(present)
    }
}

/// A person's custom fields (columns of an import that matched no field).
#[derive(Debug)]
struct CustomValue(Arc<SignatoryFields>);

impl Object for CustomValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0
            .custom
            .get(key.as_str()?)
            .map(|v| Value::from(v.as_str()))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.0
                .custom
                .keys()
                .map(|k| Value::from(k.as_str()))
                .collect(),
        )
    }
}

#[derive(Debug)]
struct TargetValue(TargetFields);

impl Object for TargetValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let t = &self.0;
        match key {
            "name" => Some(Value::from(t.name.as_str())),
            "title" => text(&t.title),
            "organisation" => text(&t.organisation),
            "email" => text(&t.email),
            "address" => text(&t.address),
            "country" => text(&t.country),
            "language" => text(&t.language),
            "form_of_address" => text(&t.form_of_address),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let present: Vec<Value> = crate::targets::FIELDS
            .iter()
            .filter(|k| self.get_value_by_str(k).is_some())
            .map(|k| Value::from(*k))
            .collect();
        Enumerator::Values(present)
    }
}

/// What a template can name: `signatory`, `target`, `campaign`, `sender` and `today`.
#[derive(Debug)]
struct Root {
    signatory: Option<Value>,
    target: Option<Value>,
    campaign: Value,
    sender: Value,
    today: Value,
}

impl Object for Root {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        match key {
            "signatory" => self.signatory.clone(),
            "target" => self.target.clone(),
            "campaign" => Some(self.campaign.clone()),
            "sender" => Some(self.sender.clone()),
            "today" => Some(self.today.clone()),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys = Vec::with_capacity(5);
        if self.signatory.is_some() {
            keys.push(Value::from("signatory"));
        }
        if self.target.is_some() {
            keys.push(Value::from("target"));
        }
        keys.extend(["campaign", "sender", "today"].map(Value::from));
        Enumerator::Values(keys)
    }
}

pub(super) fn context_value(ctx: &Context, language: &str, today: time::Date) -> Value {
    Value::from_object(Root {
        signatory: ctx
            .signatory
            .as_ref()
            .map(|s| Value::from_object(PersonValue(s.clone()))),
        target: ctx
            .target
            .map(|t| Value::from_object(TargetValue(t.clone()))),
        campaign: minijinja::context! { name => ctx.campaign_name },
        sender: minijinja::context! { name => ctx.sender_name, address => ctx.sender_address },
        today: Value::from(super::locale::format_date(today, language)),
    })
}
