//! The phone hand-off's HTTP side: the API both the desktop and the phone page use
//! ([`routes`]), and the phone's own server-rendered pages ([`pages`]).

mod pages;
mod routes;

pub use routes::{CookiePolicy, router};
