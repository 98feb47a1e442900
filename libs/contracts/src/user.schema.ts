import { z } from 'zod';
import { pageQuerySchema } from './pagination.schema';

/** viewer reads; operator also acts on robots, alerts, jobs; admin also manages users and configuration. */
export const USER_ROLES = ['admin', 'operator', 'viewer'] as const;
export const userRoleSchema = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof userRoleSchema>;

export const usernameSchema = z
  .string()
  .trim()
  .min(3)
  .max(50)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, underscore and dash only');

/** New passwords: long enough to resist guessing, short enough not to burden the hasher. */
export const newPasswordSchema = z.string().min(10, 'must be at least 10 characters').max(256);

export const loginInputSchema = z.object({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(1024),
});

export const refreshInputSchema = z.object({ refresh_token: z.string().min(1).max(200) });

export const logoutInputSchema = z.object({
  /** The login to end; omitted, every login of the user ends ("sign out everywhere"). */
  refresh_token: z.string().min(1).max(200).optional(),
});

export const passwordChangeSchema = z.object({
  current_password: z.string().min(1).max(1024),
  new_password: newPasswordSchema,
});

export const userCreateSchema = z.object({
  username: usernameSchema,
  email: z.email().max(100),
  password: newPasswordSchema,
  role: userRoleSchema.default('viewer'),
});

export const userUpdateSchema = z
  .object({
    email: z.email().max(100).optional(),
    role: userRoleSchema.optional(),
    is_active: z.boolean().optional(),
  })
  .strict();

export const userPasswordSetSchema = z.object({ password: newPasswordSchema });

export const userListQuerySchema = pageQuerySchema.extend({
  role: userRoleSchema.optional(),
  is_active: z.stringbool().optional(),
  search: z.string().max(100).optional(),
});

/** A user as the API shows it: never a password hash. */
export const userViewSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  role: userRoleSchema,
  is_active: z.boolean(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime().nullable(),
  last_login_at: z.iso.datetime().nullable(),
});

export const tokenResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
  refresh_token: z.string(),
  refresh_expires_at: z.iso.datetime(),
  user: userViewSchema,
});

export type LoginInput = z.infer<typeof loginInputSchema>;
export type UserCreate = z.infer<typeof userCreateSchema>;
export type UserUpdate = z.infer<typeof userUpdateSchema>;
export type UserListQuery = z.infer<typeof userListQuerySchema>;
