//! Keyset paging on list pages: the links under a list
//! (`templates/partials/pager.html`) and the extra row that says whether
//! there is a next page.
//!
//! Every list pages by a cursor (the last row's sort key and id), never by
//! OFFSET: OFFSET reads and throws away every earlier row, so page 200 of a
//! large organization costs 200 pages, and rows added meanwhile shift what
//! the next page shows. The store writes the cursor's condition as
//! `key >= x AND (key > x OR id > y)`, which SQLite turns into an index
//! range; the textbook `key > x OR (key = x AND id > y)` it cannot, and a
//! page 9,000 rows deep then walked the index from its first row.

pub struct Pager {
    /// The list's first page, once the reader is past it.
    pub first_href: Option<String>,
    pub next_href: Option<String>,
    /// "Next page" for lists in name order, "Older" for newest-first ones.
    pub next_label: &'static str,
}

impl Pager {
    /// `first` is the first page's address; it is linked only when `past_first`.
    pub fn new(first: String, past_first: bool, next_href: Option<String>, next_label: &'static str) -> Self {
        Self { first_href: past_first.then_some(first), next_href, next_label }
    }
}

/// `rows` were read with one more than `size`: drops that one and returns the
/// page's last row when it was there, i.e. when a next page starts after it.
pub fn cut_to_page<T>(rows: &mut Vec<T>, size: i64) -> Option<&T> {
    let shown = page_of(rows, size).0.len();
    let more = rows.len() > shown;
    rows.truncate(shown);
    rows.last().filter(|_| more)
}

/// [`cut_to_page`] for rows the page borrows: the page's rows, and its
/// last row when a next page starts after it.
pub fn page_of<T>(rows: &[T], size: i64) -> (&[T], Option<&T>) {
    let size = usize::try_from(size).unwrap_or(0);
    let shown = &rows[..rows.len().min(size)];
    (shown, shown.last().filter(|_| rows.len() > size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_read_with_one_more_row_says_where_the_next_starts() {
        assert_eq!(page_of(&[1, 2, 3], 2), (&[1, 2][..], Some(&2)));
        assert_eq!(page_of(&[1, 2], 2), (&[1, 2][..], None));
        assert_eq!(page_of::<i32>(&[], 2), (&[][..], None));
        let mut rows = vec![1, 2, 3];
        assert_eq!(cut_to_page(&mut rows, 2), Some(&2));
        assert_eq!(rows, [1, 2]);
        let mut rows = vec![1, 2];
        assert_eq!(cut_to_page(&mut rows, 2), None);
        assert_eq!(rows, [1, 2]);
    }
}
