//! スマホ教室 for residents and trainings for staff (#18): courses and their sessions, bookings
//! with a waiting list that never overbooks, and (next) attendance, the public pages, the
//! phone-side form for staff and the KPIs 1-①-5, 2-③-1 and 2-③-2.
//!
//! This first part is the booking core: `model` (typed states and the person booking) and
//! `store` (sessions, booking, cancelling, offering a freed place to the next on the list).

pub mod model;
pub mod store;
