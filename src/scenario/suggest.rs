//! "Did you mean" suggestions for misspelt keys and words, by edit distance.

/// Edit distance between two strings, counted in characters: insertions, deletions,
/// substitutions and transpositions of neighbours (`sede` is one edit from `seed`).
#[cfg(test)]
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    Rows::default().distance(&a, &b)
}

/// Rows i-2, i-1 and i of the (optimal string alignment) distance table, kept between calls so
/// that `closest` allocates nothing per candidate.
#[derive(Default)]
struct Rows {
    before: Vec<usize>,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

impl Rows {
    fn distance(&mut self, a: &[char], b: &[char]) -> usize {
        let Rows { before, prev, cur } = self;
        before.clear();
        before.resize(b.len() + 1, 0);
        prev.clear();
        prev.extend(0..=b.len());
        cur.clear();
        cur.resize(b.len() + 1, 0);
        for i in 1..=a.len() {
            cur[0] = i;
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut d = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d = d.min(before[j - 2] + 1);
                }
                cur[j] = d;
            }
            std::mem::swap(before, prev);
            std::mem::swap(prev, cur);
        }
        prev[b.len()]
    }
}

/// The candidate closest to `word`, if it is close enough to be a plausible misspelling: at most
/// a third of the word's length in edits (at least one), and never the whole word. Ties go to the
/// candidate listed first, so the answer is deterministic.
///
/// Fast enough to call for each of many thousand unknown keys, however long: candidates whose
/// length differs by more than the limit are skipped without computing a distance.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = word.chars().count();
    let limit = (len / 3).clamp(1, 4);
    let lower: Vec<char> = word.to_lowercase().chars().collect();
    let mut rows = Rows::default();
    let mut other: Vec<char> = Vec::new();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        other.clear();
        if c.is_ascii() {
            other.extend(c.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            other.extend(c.to_lowercase().chars());
        }
        // The distance is at least the difference in length.
        if other.len().abs_diff(lower.len()) > limit {
            continue;
        }
        let d = rows.distance(&lower, &other);
        if d <= limit && d < len.max(1) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("inflaton", "inflation"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("流产", "瞒产"), 1);
        assert_eq!(edit_distance("sede", "seed"), 1);
        assert_eq!(edit_distance("nmae", "name"), 1);
        assert_eq!(edit_distance("ca", "abc"), 3);
    }

    #[test]
    fn suggests_only_close_words() {
        let names = ["inflation", "markup_brigade", "target_pull"];
        assert_eq!(closest("inflaton", names), Some("inflation"));
        assert_eq!(closest("Inflation", names), Some("inflation"));
        assert_eq!(closest("target_pul", names), Some("target_pull"));
        assert_eq!(closest("diversion", names), None);
        assert_eq!(closest("x", ["y"]), None);
        assert_eq!(closest("INFLATON", ["Inflation"]), Some("Inflation"));
        assert_eq!(closest(&"a".repeat(100_000), names), None);
        assert_eq!(
            closest("histrical", ["historical", "neutral"]),
            Some("historical")
        );
    }
}
