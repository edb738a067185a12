//! `commune-sim new`: a short, commented scenario that extends another.
