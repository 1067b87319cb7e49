//! Reading a filter's text (RFC 7644 section 3.4.2.2) into a [`Filter`]:
//! tokens (JSON strings with their escapes, words, brackets), then a
//! recursive descent with `not` binding tighter than `and`, and `and`
//! tighter than `or`. Every mistake is an `invalidFilter` that says where.

use serde_json::Value;

use super::filter::{AttrPath, Filter, Op};
use super::ScimError;

impl Filter {
    pub fn parse(text: &str) -> Result<Self, ScimError> {
        if text.len() > 4096 {
            return Err(ScimError::invalid_filter("The filter is longer than 4096 bytes."));
        }
        let mut p = Parser { tokens: tokens(text)?, at: 0 };
        let f = p.or()?;
        if p.at < p.tokens.len() {
            return Err(ScimError::invalid_filter("The filter has more after its end."));
        }
        Ok(f)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokens(text: &str) -> Result<Vec<Token>, ScimError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => (out.push(Token::Open), i += 1).1,
            ')' => (out.push(Token::Close), i += 1).1,
            '[' => (out.push(Token::OpenBracket), i += 1).1,
            ']' => (out.push(Token::CloseBracket), i += 1).1,
            '"' => {
                // A JSON string: let serde_json read the escapes.
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                if i >= chars.len() {
                    return Err(ScimError::invalid_filter("A quoted value is not closed."));
                }
                i += 1;
                let raw: String = chars[start..i].iter().collect();
                let s: String = serde_json::from_str(&raw)
                    .map_err(|_| ScimError::invalid_filter(format!("{raw} is not a valid string.")))?;
                out.push(Token::Str(s));
            }
            _ => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], ' ' | '\t' | '(' | ')' | '[' | ']' | '"') {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, ScimError> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.group()?)));
        }
        if self.peek() == Some(&Token::Open) {
            return self.group();
        }
        self.expression()
    }

    fn group(&mut self) -> Result<Filter, ScimError> {
        if self.next() != Some(Token::Open) {
            return Err(ScimError::invalid_filter("Expected “(”."));
        }
        let inner = self.or()?;
        if self.next() != Some(Token::Close) {
            return Err(ScimError::invalid_filter("A parenthesis is not closed."));
        }
        Ok(inner)
    }

    fn expression(&mut self) -> Result<Filter, ScimError> {
        let Some(Token::Word(path)) = self.next() else {
            return Err(ScimError::invalid_filter("Expected an attribute name."));
        };
        if self.peek() == Some(&Token::OpenBracket) {
            self.at += 1;
            let attr = AttrPath::parse(&path).map_err(|e| ScimError::invalid_filter(e.detail))?;
            let inner = self.or()?;
            if self.next() != Some(Token::CloseBracket) {
                return Err(ScimError::invalid_filter("A “[” is not closed."));
            }
            return Ok(Filter::ValuePath(attr, Box::new(inner)));
        }
        let attr = AttrPath::parse(&path).map_err(|e| ScimError::invalid_filter(e.detail))?;
        let Some(Token::Word(op)) = self.next() else {
            return Err(ScimError::invalid_filter(format!("Expected an operator after {path}.")));
        };
        let op = match op.to_ascii_lowercase().as_str() {
            "pr" => return Ok(Filter::Present(attr)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => return Err(ScimError::invalid_filter(format!("“{other}” is not a filter operator."))),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Value::String(s),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => serde_json::from_str::<serde_json::Number>(&w)
                    .map(Value::Number)
                    .map_err(|_| ScimError::invalid_filter(format!("“{w}” is not a value: quote strings.")))?,
            },
            _ => return Err(ScimError::invalid_filter(format!("Expected a value after {path} {op:?}."))),
        };
        Ok(Filter::Compare(attr, op, value))
    }
}
