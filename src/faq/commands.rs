//! `machi faq …` commands.
