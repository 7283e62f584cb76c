//! A vote line as tokens: counts, option labels, links, fillers and breaks.
//!
//! The line is read through its match key (lowercase, quote marks and
//! dashes folded), so `„За“`, `«за»`, `"ЗА"`, `'за'` and `за` are one label
//! and `–`, `—`, `-` one link. Quote marks are not tokens; they only say
//! whether a label is quoted, since a quoted `за` is always a vote option
//! while an unquoted one followed by a word is the preposition (`за наем`).
//! Words the grammar does not know break the line like a comma does, so a
//! count never pairs with a label across prose.

use vitrina_sdk::normalize::text;

use super::VoteType;

/// One token of a vote line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token {
    /// A number of councillors.
    Count(Count),
    /// A vote option.
    Label { label: Label, quoted: bool },
    /// `–`, `-`, `—`, `:`, `=`: a label before it takes the count after it.
    Link,
    /// A word a count and its label may have around them.
    Filler(Filler),
    /// `,`, `;`, `и`, `.`, `(`, `)`, `/`, or a word that is not part of a
    /// tally: nothing pairs across it.
    Break,
}

/// A count as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Count {
    pub value: u64,
    /// Written in digits. `няма` left over is prose (`няма възражения`);
    /// a digit left over is a number the line does not explain.
    pub digits: bool,
}

/// The options a tally counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Label {
    Yes,
    No,
    Abstain,
    /// `не гласували`: read so that its count is not left over, not stored.
    NotVoting,
    /// `отсъстващи`: likewise.
    Absent,
}

impl Label {
    pub fn name(self) -> &'static str {
        match self {
            Label::Yes => "за",
            Label::No => "против",
            Label::Abstain => "въздържали се",
            Label::NotVoting => "не гласували",
            Label::Absent => "отсъстващи",
        }
    }
}

/// Words that may stand around a count and its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Filler {
    /// `гласа`, `глас`: votes, which only a tally speaks of.
    Votes,
    /// `общински съветници`, `души`, `гласували`: after a count that no
    /// label takes, it is the number of councillors who voted.
    Voters,
    /// `общо`: before a count that no label takes, likewise.
    Total,
    /// `бр.`, `броя`, opening words, the vote type, `единодушно`.
    Other,
}

/// A vote line as the grammar reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    pub tokens: Vec<Token>,
    /// The line opens with a vote word: `Гласували`, `Поименно гласуване`,
    /// `Резултати от тайното гласуване`.
    pub announced: bool,
    pub vote_type: Option<VoteType>,
    /// `единодушно`, `единогласно`, `с единодушие`.
    pub unanimous: bool,
    /// Nothing but a unanimous vote, with no count: `Приема се
    /// единодушно.`, `Гласували единодушно`.
    pub bare_unanimous: bool,
}

impl Line {
    pub fn has_label(&self) -> bool {
        self.tokens.iter().any(|t| matches!(t, Token::Label { .. }))
    }

    /// Something only a vote line says: a quoted option, votes (`гласа`),
    /// an abstention, unanimity.
    pub fn speaks_of_votes(&self) -> bool {
        self.unanimous
            || self.tokens.iter().any(|t| match t {
                Token::Label { label, quoted } => *quoted || *label == Label::Abstain,
                Token::Filler(f) => *f == Filler::Votes,
                _ => false,
            })
    }
}

/// Words that open a vote line.
const OPENINGS: &[&str] = &[
    "гласували",
    "гласуване",
    "гласуването",
    "поименно",
    "поименното",
    "тайно",
    "тайното",
    "явно",
    "явното",
    "резултати",
    "резултат",
    "резултатът",
];

fn filler(word: &str) -> Option<Filler> {
    match word {
        "гласа" | "глас" => Some(Filler::Votes),
        "общински" | "съветници" | "съветника" | "души" | "гласували" | "присъстващи" => {
            Some(Filler::Voters)
        }
        "общо" => Some(Filler::Total),
        "бр" | "броя" => Some(Filler::Other),
        w if is_unanimous(w) => Some(Filler::Other),
        w if OPENINGS.contains(&w) => Some(Filler::Other),
        _ => None,
    }
}

/// The line as tokens, with what it says about the vote as a whole.
pub(super) fn tokenize(line: &str) -> Line {
    let lexemes = lex(&text::match_key(line));
    let announced = lexemes
        .iter()
        .find_map(|l| match l {
            Lexeme::Word(w) => Some(OPENINGS.contains(&w.as_str())),
            Lexeme::Digits(_) => Some(false),
            _ => None,
        })
        .unwrap_or(false);
    let words = || {
        lexemes.iter().filter_map(|l| match l {
            Lexeme::Word(w) => Some(w.as_str()),
            _ => None,
        })
    };
    let vote_type = words().find_map(|w| {
        if w.starts_with("поименн") {
            Some(VoteType::RollCall)
        } else if w.starts_with("тайн") {
            Some(VoteType::Secret)
        } else if w.starts_with("явн") {
            Some(VoteType::Open)
        } else {
            None
        }
    });
    let unanimous = words().any(is_unanimous);
    let bare_unanimous = unanimous
        && !lexemes.iter().any(|l| matches!(l, Lexeme::Digits(_)))
        && words()
            .all(|w| BARE_UNANIMOUS_WORDS.contains(&w) || OPENINGS.contains(&w) || is_unanimous(w));
    let lexemes = spread_without(lexemes);
    Line {
        tokens: Tokens::new(&lexemes).collect(),
        announced,
        vote_type,
        unanimous,
        bare_unanimous,
    }
}

/// Words a unanimous vote without a count may stand among.
const BARE_UNANIMOUS_WORDS: &[&str] = &[
    "приема",
    "се",
    "прие",
    "прието",
    "приета",
    "е",
    "решението",
    "предложението",
    "с",
];

/// `единодушно`, `единогласно`, and the noun: `с единодушие от 46 гласа`.
fn is_unanimous(word: &str) -> bool {
    matches!(
        word,
        "единодушно" | "единогласно" | "единодушие" | "единогласие"
    )
}

/// `без „против“ и „въздържали се“`: `без` is a zero for every label it
/// is joined to by `и` or a comma, so it is written out before each.
fn spread_without(lexemes: Vec<Lexeme>) -> Vec<Lexeme> {
    let mut out = Vec::with_capacity(lexemes.len());
    let mut without = false;
    for (at, lexeme) in lexemes.iter().enumerate() {
        let next_is_label = || {
            lexemes[at + 1..]
                .iter()
                .find(|l| **l != Lexeme::Quote)
                .is_some_and(|l| matches!(l, Lexeme::Word(w) if is_label_word(w)))
        };
        match lexeme {
            Lexeme::Word(w) if w == "без" => without = true,
            Lexeme::Word(w) if w == "и" && without && next_is_label() => {
                out.push(lexeme.clone());
                out.push(Lexeme::Word("без".into()));
                continue;
            }
            Lexeme::Break if without && next_is_label() => {
                out.push(lexeme.clone());
                out.push(Lexeme::Word("без".into()));
                continue;
            }
            Lexeme::Word(w) if is_label_word(w) || w == "се" => {}
            Lexeme::Quote => {}
            _ => without = false,
        }
        out.push(lexeme.clone());
    }
    out
}

fn is_label_word(word: &str) -> bool {
    matches!(word, "за" | "против") || word.starts_with("въздържа")
}

/// The line cut into words, digits and marks, before meaning is given.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lexeme {
    Word(String),
    Digits(u64),
    /// `"` or `'`, after folding.
    Quote,
    Link,
    /// `.`, kept apart from other breaks to end an abbreviation (`бр.`).
    Dot,
    Break,
}

fn lex(key: &str) -> Vec<Lexeme> {
    let mut lexemes = Vec::new();
    let mut chars = key.chars().peekable();
    while let Some(&c) = chars.peek() {
        let mut run = |keep: fn(&char) -> bool| {
            let mut s = String::new();
            while let Some(c) = chars.next_if(keep) {
                s.push(c);
            }
            s
        };
        if c.is_alphabetic() {
            lexemes.push(Lexeme::Word(run(|c| c.is_alphabetic())));
            continue;
        }
        if c.is_ascii_digit() {
            let digits = run(char::is_ascii_digit);
            let glued = run(|c| c.is_alphabetic());
            lexemes.extend(digits_and_glued(&digits, glued));
            continue;
        }
        chars.next();
        match c {
            '"' | '\'' => lexemes.push(Lexeme::Quote),
            '-' | ':' | '=' => lexemes.push(Lexeme::Link),
            '.' => lexemes.push(Lexeme::Dot),
            ',' | ';' | '(' | ')' | '/' => lexemes.push(Lexeme::Break),
            _ => {}
        }
    }
    lexemes
}

/// `41гласа` is a count and its filler; `4l` (a letter typed for a digit)
/// is no count at all, so its label is left without one and the line is
/// reported rather than read as something else.
fn digits_and_glued(digits: &str, glued: String) -> Vec<Lexeme> {
    let value = digits.parse().unwrap_or(u64::MAX);
    if glued.is_empty() {
        vec![Lexeme::Digits(value)]
    } else if filler(&glued).is_some() {
        vec![Lexeme::Digits(value), Lexeme::Word(glued)]
    } else {
        vec![Lexeme::Word(format!("{digits}{glued}"))]
    }
}

/// Gives lexemes their meaning, a few words of context at a time.
struct Tokens<'a> {
    lexemes: &'a [Lexeme],
    at: usize,
}

impl<'a> Tokens<'a> {
    fn new(lexemes: &'a [Lexeme]) -> Self {
        Self { lexemes, at: 0 }
    }

    fn word(&self, at: usize) -> Option<&'a str> {
        match self.lexemes.get(at) {
            Some(Lexeme::Word(w)) => Some(w),
            _ => None,
        }
    }

    /// The token starting at a word, and how many lexemes it spans.
    fn word_token(&self, at: usize, word: &str) -> (Token, usize) {
        let next = self.word(at + 1);
        let label = |label, len| (self.label(at, label, len), len);
        match word {
            "за" => label(Label::Yes, 1),
            "против" => label(Label::No, 1),
            w if w.starts_with("въздържал") || w == "въздържа" => {
                label(Label::Abstain, if next == Some("се") { 2 } else { 1 })
            }
            "не" if next.is_some_and(|n| n.starts_with("гласува")) => {
                label(Label::NotVoting, 2)
            }
            w if w.starts_with("отсъств") => label(Label::Absent, 1),
            "няма" | "нула" | "без" => (zero(), 1),
            "нито" if matches!(next, Some("един" | "една" | "едно")) => (zero(), 2),
            w => (filler(w).map_or(Token::Break, Token::Filler), 1),
        }
    }

    /// A label spanning `len` words from `at`; an unquoted `за` or
    /// `против` followed by a word of prose is a preposition instead.
    fn label(&self, at: usize, label: Label, len: usize) -> Token {
        let end = at + len;
        let quoted = at > 0
            && self.lexemes.get(at - 1) == Some(&Lexeme::Quote)
            && self.lexemes.get(end) == Some(&Lexeme::Quote);
        let prose_follows = self.word(end).is_some_and(is_prose);
        if !quoted && matches!(label, Label::Yes | Label::No) && prose_follows {
            return Token::Break;
        }
        Token::Label { label, quoted }
    }
}

/// A word of prose: none of a tally's words, and a real word. One or two
/// characters (`З`, `О`, `4l`) are more likely a misprinted count, and
/// taking the label before them for a preposition would lose its count
/// without a word.
fn is_prose(word: &str) -> bool {
    let tally_word = matches!(
        word,
        "за" | "против" | "няма" | "нула" | "без" | "нито" | "не" | "и" | "се"
    ) || word.starts_with("въздържа")
        || word.starts_with("отсъств")
        || filler(word).is_some();
    let real_word = word.chars().count() >= 3 && word.chars().all(char::is_alphabetic);
    real_word && !tally_word
}

fn zero() -> Token {
    Token::Count(Count {
        value: 0,
        digits: false,
    })
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        loop {
            let lexeme = self.lexemes.get(self.at)?;
            let (token, len) = match lexeme {
                Lexeme::Word(w) => self.word_token(self.at, w),
                Lexeme::Digits(value) => (
                    Token::Count(Count {
                        value: *value,
                        digits: true,
                    }),
                    1,
                ),
                Lexeme::Quote => {
                    self.at += 1;
                    continue;
                }
                Lexeme::Link => (Token::Link, 1),
                Lexeme::Dot | Lexeme::Break => (Token::Break, 1),
            };
            self.at += len;
            // `бр.`: the dot ends the abbreviation, not the pair.
            if matches!(token, Token::Filler(_)) && self.lexemes.get(self.at) == Some(&Lexeme::Dot)
            {
                self.at += 1;
            }
            return Some(token);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yes(quoted: bool) -> Token {
        Token::Label {
            label: Label::Yes,
            quoted,
        }
    }

    fn count(value: u64) -> Token {
        Token::Count(Count {
            value,
            digits: true,
        })
    }

    #[test]
    fn quotes_of_every_style_mark_a_label_as_quoted() {
        for line in ["„за“", "“за”", "\"за\"", "«за»", "'за'", "‘за’", "„ЗА“"]
        {
            assert_eq!(tokenize(line).tokens, [yes(true)], "{line}");
        }
        assert_eq!(tokenize("за").tokens, [yes(false)]);
        assert_eq!(tokenize("„за").tokens, [yes(false)]);
    }

    #[test]
    fn two_word_labels_and_zero_words() {
        let line = tokenize("няма „въздържали се“, нито един не гласувал");
        assert_eq!(
            line.tokens,
            [
                zero(),
                Token::Label {
                    label: Label::Abstain,
                    quoted: true
                },
                Token::Break,
                zero(),
                Token::Label {
                    label: Label::NotVoting,
                    quoted: false
                },
            ]
        );
    }

    #[test]
    fn links_breaks_and_fillers() {
        let line = tokenize("Гласували: 41 гласа „за“ – 2 бр. и общо");
        assert_eq!(
            line.tokens,
            [
                Token::Filler(Filler::Voters),
                Token::Link,
                count(41),
                Token::Filler(Filler::Votes),
                yes(true),
                Token::Link,
                count(2),
                Token::Filler(Filler::Other),
                Token::Break,
                Token::Filler(Filler::Total),
            ]
        );
        assert!(line.announced);
    }

    #[test]
    fn a_preposition_is_not_a_label() {
        assert_eq!(
            tokenize("за наем").tokens,
            [Token::Break, Token::Break],
            "за followed by prose"
        );
        assert_eq!(tokenize("„за“ наем").tokens, [yes(true), Token::Break]);
        assert_eq!(tokenize("за и против").tokens.len(), 3);
        assert_eq!(tokenize("за 2024").tokens, [yes(false), count(2024)]);
        // A misprinted count is no word of prose.
        for misprint in ["за З", "за ЗО", "за 4l", "за 10OO"] {
            assert_eq!(tokenize(misprint).tokens[0], yes(false), "{misprint}");
        }
    }

    #[test]
    fn digits_glued_to_letters() {
        assert_eq!(
            tokenize("41гласа").tokens,
            [count(41), Token::Filler(Filler::Votes)]
        );
        assert_eq!(tokenize("4l").tokens, [Token::Break]);
    }

    #[test]
    fn without_is_a_zero_for_each_label_it_joins() {
        let zero_label = |label| {
            [
                zero(),
                Token::Label {
                    label,
                    quoted: true,
                },
            ]
        };
        let line = tokenize("без „против“ и „въздържали се“");
        let mut expected = zero_label(Label::No).to_vec();
        expected.push(Token::Break);
        expected.extend(zero_label(Label::Abstain));
        assert_eq!(line.tokens, expected);
        assert_eq!(tokenize("без наем").tokens, [zero(), Token::Break]);
    }

    #[test]
    fn the_line_as_a_whole() {
        let line = tokenize("ПОИМЕННО ГЛАСУВАНЕ: единодушно 46 «за»");
        assert!(line.announced && line.unanimous);
        assert_eq!(line.vote_type, Some(VoteType::RollCall));
        assert!(!tokenize("Решението е прието с 41 гласа").announced);
        assert!(!tokenize("41 Гласували").announced);
        assert!(tokenize("«за» – 3").speaks_of_votes());
        assert!(tokenize("3 гласа за").speaks_of_votes());
        assert!(!tokenize("за 3 години").speaks_of_votes());
        assert!(tokenize("с единодушие от 46 гласа „за“").unanimous);
    }
}
