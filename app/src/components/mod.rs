//! Widgets more than one page uses: the page frame and guard, the language switch and the
//! user menu, error notices, fields, tables of conditions and diffs, and the one change
//! review every write in the console goes through.

pub mod certificate;
pub mod change_forms;
pub mod change_review;
pub mod claims;
pub mod conditions;
pub mod diff_table;
pub mod doctor;
pub mod error_notice;
pub mod form_dom;
pub mod guard;
pub mod health;
pub mod language;
pub mod page_frame;
pub mod plain_fields;
pub mod status;
pub mod user_menu;
pub mod versions_link;
pub mod violations;
