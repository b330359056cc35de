/** /api/v1/admin/moderators: moderator accounts, for admins (adminRoutes puts requireAdmin in front). */
import type { Router } from 'express';
import type { Moderator } from '../../domain/moderator.js';
import type { ModeratorAccounts } from '../../moderators/moderator-accounts.js';
import { accountSchemas as S } from './account-validation.js';
import { identityOf } from './auth.js';
import { parseAdmin } from './validation.js';

/** An account as admins see it: never the password hash. */
export interface AdminModerator {
  id: string;
  email: string;
  name: string;
  role: Moderator['role'];
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export function toAdminModerator(m: Moderator): AdminModerator {
  return { id: m.id, email: m.email, name: m.name, role: m.role, disabled: m.disabled, createdAt: m.createdAt.toISOString(), updatedAt: m.updatedAt.toISOString() };
}

export function moderatorRoutes(router: Router, accounts: ModeratorAccounts): void {
  router.get('/moderators', async (_req, res) => {
    res.json({ moderators: (await accounts.list()).map(toAdminModerator) });
  });

  router.post('/moderators', async (req, res) => {
    const b = parseAdmin(S.moderatorBody, req.body);
    const m = await accounts.add(b, identityOf(res).actor);
    res.status(201).json({ moderator: toAdminModerator(m) });
  });

  router.post('/moderators/:id/disable', async (req, res) => {
    res.json({ moderator: toAdminModerator(await accounts.setDisabled(req.params.id, true, identityOf(res).actor)) });
  });

  router.post('/moderators/:id/enable', async (req, res) => {
    res.json({ moderator: toAdminModerator(await accounts.setDisabled(req.params.id, false, identityOf(res).actor)) });
  });

  router.post('/moderators/:id/password', async (req, res) => {
    const b = parseAdmin(S.passwordBody, req.body);
    res.json({ moderator: toAdminModerator(await accounts.resetPassword(req.params.id, b.password, identityOf(res).actor)) });
  });
}
