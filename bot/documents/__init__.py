"""Documents adapter: PDF text extraction in memory with PyMuPDF."""

from bot.documents.pdf import MAX_PAGES, Extracted, PdfReader, extract_text

__all__ = ["MAX_PAGES", "Extracted", "PdfReader", "extract_text"]
