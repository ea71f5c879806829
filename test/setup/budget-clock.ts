/**
 * Jest runs every suite with the request budget on a fast clock: 100 requests per 50 ms is as
 * good as no limit for suites that do not test it, while every call still goes through the
 * budget. Suites about the budget set their own window (setBudgetWindow) and reset it after.
 */
import { setBudgetWindow } from '../../nodes/shared/transport/request-budget';

setBudgetWindow(50);
