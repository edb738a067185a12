//! Unit tests of the mechanisms of MODEL §4.3, §4.6, §4.8, §4.9, §4.11 and §4.12, one phase at a time.

#![allow(unused_imports)]

use super::*;
