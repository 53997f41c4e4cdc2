"""Thin Celery tasks of the wallet: take ids, call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="wallet.pdf_prepare", ignore_result=True, acks_late=True)
def pdf_prepare(credential_id: int) -> int:
    """Render and keep the PDFs of a credential that entered a wallet (its downloads then need no rendering)."""
    from .services import credential_pdfs_prepare

    return credential_pdfs_prepare(credential_id=credential_id)
