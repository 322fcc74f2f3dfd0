//! A batch's raw records: text lines packed into one buffer, so receiving
//! a frame appends bytes instead of allocating a string per record.

/// Lines of text, packed. Indexes are `u32`: the receiver bounds what it
/// holds far below 4 GiB.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    text: String,
    ends: Vec<u32>,
}

impl Records {
    pub fn new() -> Records {
        Records::default()
    }

    pub fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.ends.push(self.text.len() as u32);
    }

    /// Room for `bytes` more bytes of text (a frame about to be added).
    pub fn reserve(&mut self, bytes: usize) {
        self.text.reserve(bytes);
    }

    /// Whether every record is ASCII: one scan of the whole batch's text.
    pub fn is_ascii(&self) -> bool {
        self.text.is_ascii()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes of record text held (separators excluded).
    pub fn byte_len(&self) -> usize {
        self.text.len()
    }

    /// Bytes of text before record `i` (all of it when `i >= len`).
    pub fn offset_of(&self, i: usize) -> usize {
        match i {
            0 => 0,
            i => self
                .ends
                .get(i - 1)
                .map_or(self.text.len(), |&e| e as usize),
        }
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..end)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&end| {
            let s = &self.text[start..end as usize];
            start = end as usize;
            s
        })
    }

    /// Splits off records `[at, len)` into a new `Records`.
    pub fn split_off(&mut self, at: usize) -> Records {
        if at >= self.len() {
            return Records::new();
        }
        if at == 0 {
            return std::mem::take(self);
        }
        let cut = self.ends[at - 1];
        let tail_text = self.text.split_off(cut as usize);
        let tail_ends = self
            .ends
            .split_off(at)
            .into_iter()
            .map(|e| e - cut)
            .collect();
        Records {
            text: tail_text,
            ends: tail_ends,
        }
    }
}

impl<'a> FromIterator<&'a str> for Records {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Records {
        let mut r = Records::new();
        for line in iter {
            r.push(line);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn split_off_keeps_both_halves_intact() {
        let mut r: Records = ["a", "bb", "", "ccc"].into_iter().collect();
        let tail = r.split_off(2);
        assert_eq!(r.iter().collect::<Vec<_>>(), ["a", "bb"]);
        assert_eq!(tail.iter().collect::<Vec<_>>(), ["", "ccc"]);
        assert_eq!(tail.get(1), Some("ccc"));
    }
}
