//! Reading the outbox: the messages of a mailing, one message whole.

use serde::Serialize;
use sqlx::{FromRow, Row};
use ts_rs::TS;

use crate::db::{Db, Pages, json_page};
use crate::error::{Error, Result};

#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MessageState {
    Queued,
    Sending,
    Sent,
    Deferred,
    Failed,
    Suppressed,
    Cancelled,
    Uncertain,
}

impl MessageState {
    pub(crate) fn as_str(self) -> &'static str {
        self.into()
    }

    pub(crate) fn parse(s: &str) -> Result<MessageState> {
        crate::db::stored("a message in the state", s)
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MessageRow {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub language: String,
    pub state: MessageState,
    /// Opens the volunteer's own mail program with this letter filled in.
    pub mailto: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MessagePage {
    pub total: i64,
    pub rows: Vec<MessageRow>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Message {
    pub id: i64,
    pub mailing_id: i64,
    pub from: String,
    pub to: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub language: String,
    pub message_id: String,
    pub state: MessageState,
    /// Opens the volunteer's own mail program with recipient, subject and body filled in.
    pub mailto: String,
    /// Files attached to the letter.
    pub attachments: Vec<String>,
}

/// A message as the outbox row holds it. Read one by one (`FromRow`) or a page at a time as
/// a JSON array of arrays in column order ([`StoredPages`]).
#[derive(FromRow, serde::Deserialize)]
pub(crate) struct Stored {
    pub id: i64,
    pub mailing_id: i64,
    pub from_header: String,
    pub to_header: String,
    pub to_address: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub language: String,
    pub message_id: String,
    pub state: String,
    pub attachments: String,
    #[sqlx(default)]
    #[serde(default)]
    pub attempts: i64,
}

/// A mailing's messages in order, a page at a time. A page comes back from SQLite as one JSON
/// value: sqlx hands rows across threads one by one, which cost more than reading them.
pub(crate) struct StoredPages {
    mailing_id: i64,
    after: i64,
    done: bool,
}

impl StoredPages {
    const PAGE: i64 = 1000;

    pub fn new(mailing_id: i64) -> StoredPages {
        StoredPages {
            mailing_id,
            after: 0,
            done: false,
        }
    }
}

impl Pages for StoredPages {
    type Item = Stored;

    /// The next page, or an empty one at the end. `+mailing_id` keeps SQLite on the id order
    /// instead of the (mailing, state) index, which would sort what is left for every page.
    async fn next_page(&mut self, db: &Db) -> Result<Vec<Stored>> {
        if self.done {
            return Ok(Vec::new());
        }
        let page: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(id, mailing_id, from_header, to_header, to_address,
                 reply_to, subject, text, html, language, message_id, state, attachments, attempts)
                 ORDER BY id)
             FROM (SELECT * FROM messages WHERE +mailing_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3)",
        )
        .bind(self.mailing_id)
        .bind(self.after)
        .bind(Self::PAGE)
        .fetch_one(db.pool())
        .await?;
        let rows: Vec<Stored> = json_page(&page)?;
        self.done = (rows.len() as i64) < Self::PAGE;
        if let Some(last) = rows.last() {
            self.after = last.id;
        }
        Ok(rows)
    }
}

impl Stored {
    /// The letter's HTML as a whole document, with `footer` (HTML) at the end of its body.
    pub fn html_document(&self, footer: &str) -> String {
        let mut doc = String::with_capacity(self.html.len() + footer.len() + 256);
        crate::templates::push_stored_html(
            &mut doc,
            &self.language,
            &self.subject,
            &self.html,
            footer,
        );
        doc
    }

    pub fn into_message(self) -> Result<Message> {
        let attachments: Vec<super::audience::AttachmentRef> = crate::db::stored_json(
            &self.attachments,
            format_args!("message {}: a list of attachments", self.id),
        )?;
        let state = MessageState::parse(&self.state)?;
        Ok(Message {
            attachments: attachments.into_iter().map(|a| a.path).collect(),
            mailto: crate::email::mailto(&self.to_address, &self.subject, &self.text),
            html: self.html_document(""),
            id: self.id,
            mailing_id: self.mailing_id,
            from: self.from_header,
            to: self.to_header,
            reply_to: self.reply_to,
            subject: self.subject,
            text: self.text,
            language: self.language,
            message_id: self.message_id,
            state,
        })
    }
}

pub async fn list(db: &Db, mailing_id: i64, offset: i64, limit: i64) -> Result<MessagePage> {
    super::get(db, mailing_id).await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE mailing_id = ?")
        .bind(mailing_id)
        .fetch_one(db.pool())
        .await?;
    let rows = sqlx::query(
        "SELECT id, to_header, to_address, subject, text, language, state FROM messages
         WHERE mailing_id = ? ORDER BY id LIMIT ? OFFSET ?",
    )
    .bind(mailing_id)
    .bind(limit.clamp(1, 1000))
    .bind(offset.max(0))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| -> Result<MessageRow> {
        let state: String = r.try_get("state")?;
        Ok(MessageRow {
            id: r.try_get("id")?,
            to: r.try_get("to_header")?,
            subject: r.try_get("subject")?,
            language: r.try_get("language")?,
            state: MessageState::parse(&state)?,
            mailto: crate::email::mailto(
                &r.try_get::<String, _>("to_address")?,
                &r.try_get::<String, _>("subject")?,
                &r.try_get::<String, _>("text")?,
            ),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(MessagePage { total, rows })
}

pub async fn get(db: &Db, id: i64) -> Result<Message> {
    sqlx::query_as::<_, Stored>("SELECT * FROM messages WHERE id = ?")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no message with id {id}")))?
        .into_message()
}
