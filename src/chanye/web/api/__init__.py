"""The JSON API under /api/v1: one module per resource."""

from fastapi import APIRouter

from chanye.web.api import chains, complexity, data, enterprises, framework, scoreboard

router = APIRouter()
router.include_router(framework.router)
router.include_router(scoreboard.router)
router.include_router(complexity.router)
router.include_router(enterprises.router)
router.include_router(data.router)
router.include_router(chains.router)
