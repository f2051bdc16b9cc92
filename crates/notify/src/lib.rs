//! The delivery channels of notifications, standing alone (no database, no egov types): `mail`
//! sends a message over SMTP, `push` encrypts a payload for a browser's Web Push subscription
//! (RFC 8291) and sends it with a VAPID identification (RFC 8292). The service crate decides
//! who gets what and when; this crate only carries a message and says whether trying again
//! may help.

pub mod mail;
pub mod push;
