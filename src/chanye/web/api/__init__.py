"""The JSON API under /api/v1: one module per resource."""

from fastapi import APIRouter

from chanye.web.api import chains, complexity, data, enterprises, framework, list_imports, scoreboard

router = APIRouter()
router.include_router(framework.router)
router.include_router(scoreboard.router)
router.include_router(complexity.router)
router.include_router(enterprises.router)
router.include_router(data.router)
router.include_router(list_imports.router)  # 项目清单 and 转型指标 uploads
router.include_router(chains.router)
