//! Classroom exercises and `new`.
