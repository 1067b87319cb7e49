//! Every CSV export goes through this writer, so every cell is neutralized
//! against spreadsheet formulas (domain::spreadsheet) in one place.

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::domain::spreadsheet::neutralize;
use crate::error::AppError;

pub struct CsvExport {
    out: csv::Writer<Vec<u8>>,
}

impl CsvExport {
    pub fn new(columns: &[&str]) -> Result<Self, AppError> {
        let mut export = Self::rows_only();
        export.row(columns)?;
        Ok(export)
    }

    /// A part of an export after its first (which has the header).
    pub fn rows_only() -> Self {
        Self { out: csv::Writer::from_writer(Vec::new()) }
    }

    pub fn row(&mut self, cells: &[&str]) -> Result<(), AppError> {
        self.out.write_record(cells.iter().map(|c| neutralize(c).into_owned())).map_err(AppError::internal)
    }

    pub fn finish(self) -> Result<Vec<u8>, AppError> {
        self.out.into_inner().map_err(AppError::internal)
    }
}

/// The download of a finished export.
pub fn attachment(body: Vec<u8>, filename: &str) -> HttpResponse {
    download(filename).body(body)
}

/// The download of an export sent as it is made, part by part: the
/// server holds one part at a time, whatever the export's length.
pub fn streamed_attachment<S>(parts: S, filename: &str) -> HttpResponse
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, AppError>> + 'static,
{
    download(filename).streaming(parts)
}

fn download(filename: &str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")));
    response
}
