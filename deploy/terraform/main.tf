# SeatGuard on AWS: ALB → ECS Fargate (auth, booking, sweeper), SQS + DLQ → worker Lambda,
# RDS PostgreSQL (or an external database), secrets in Secrets Manager, CloudWatch alarms.

locals {
  name            = "seatguard-${var.environment}"
  create_database = var.database_url == ""
  database_url    = local.create_database ? module.database[0].database_url : var.database_url
  with_smtp_pass  = var.smtp_password != ""
}

module "network" {
  source             = "./modules/network"
  name               = local.name
  single_nat_gateway = var.single_nat_gateway
}

module "database" {
  source                = "./modules/database"
  count                 = local.create_database ? 1 : 0
  name                  = local.name
  subnet_ids            = module.network.private_subnet_ids
  security_group_ids    = [module.network.database_security_group_id]
  instance_class        = var.db_instance_class
  multi_az              = var.db_multi_az
  backup_retention_days = var.db_backup_retention_days
  deletion_protection   = var.db_deletion_protection
}

module "queue" {
  source                     = "./modules/queue"
  name                       = local.name
  max_receive_count          = var.queue_max_receive_count
  visibility_timeout_seconds = 6 * var.worker_timeout_seconds
}

# --- secrets ------------------------------------------------------------------------------

locals {
  secret_values = merge(
    {
      JWT_SECRET            = var.jwt_secret
      STRIPE_SECRET_KEY     = var.stripe_secret_key
      STRIPE_WEBHOOK_SECRET = var.stripe_webhook_secret
      TICKET_SIGNING_KEY    = var.ticket_signing_key
    },
    local.with_smtp_pass ? { SMTP_PASS = var.smtp_password } : {},
  )
}

resource "aws_secretsmanager_secret" "app" {
  for_each                = toset(concat(keys(local.secret_values), ["DATABASE_URL"]))
  name                    = "${local.name}/${lower(replace(each.key, "_", "-"))}"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "app" {
  for_each      = aws_secretsmanager_secret.app
  secret_id     = each.value.id
  secret_string = each.key == "DATABASE_URL" ? local.database_url : local.secret_values[each.key]
}

locals {
  secret_arns = { for key, secret in aws_secretsmanager_secret.app : key => secret.arn }
  auth_secrets = {
    JWT_SECRET   = local.secret_arns["JWT_SECRET"]
    DATABASE_URL = local.secret_arns["DATABASE_URL"]
  }

  app_environment = {
    SEATGUARD_ENV      = "production"
    LOG_FORMAT         = "json"
    PUBLIC_BASE_URL    = var.public_base_url
    CORS_ORIGINS       = var.cors_origins
    QUEUE_URL          = module.queue.url
    AWS_REGION         = var.region
    SANDBOX            = "false"
    SMTP_HOST          = var.smtp_host
    SMTP_PORT          = tostring(var.smtp_port)
    SMTP_USER          = var.smtp_user
    EMAIL_FROM         = var.email_from
    DB_POOL_SIZE       = tostring(var.db_pool_size)
    QUEUE_MAX_ATTEMPTS = tostring(var.queue_max_receive_count)
  }
}

# --- ECS ----------------------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

data "aws_iam_policy_document" "use_queue" {
  statement {
    actions = [
      "sqs:SendMessage",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
    ]
    resources = [module.queue.arn, module.queue.dead_letter_arn]
  }
}

locals {
  service_common = {
    environment_name   = var.environment
    region             = var.region
    cluster_arn        = aws_ecs_cluster.this.arn
    cluster_name       = aws_ecs_cluster.this.name
    image              = var.image
    subnet_ids         = module.network.private_subnet_ids
    security_group_ids = [module.network.app_security_group_id]
    log_retention_days = var.log_retention_days
  }
}

module "auth" {
  source               = "./modules/service"
  name                 = "auth"
  command              = ["auth", "--host", "0.0.0.0", "--port", "3000"]
  container_port       = 3000
  environment_name     = local.service_common.environment_name
  region               = local.service_common.region
  cluster_arn          = local.service_common.cluster_arn
  cluster_name         = local.service_common.cluster_name
  image                = local.service_common.image
  subnet_ids           = local.service_common.subnet_ids
  security_group_ids   = local.service_common.security_group_ids
  log_retention_days   = local.service_common.log_retention_days
  target_group_arn     = aws_lb_target_group.auth.arn
  min_count            = var.auth_min_count
  max_count            = var.auth_max_count
  environment          = { SEATGUARD_ENV = "production", LOG_FORMAT = "json", CORS_ORIGINS = var.cors_origins, DB_POOL_SIZE = tostring(var.db_pool_size) }
  secrets              = local.auth_secrets
  stop_timeout_seconds = 30
}

module "booking" {
  source               = "./modules/service"
  name                 = "booking"
  command              = ["booking", "--host", "0.0.0.0", "--port", "4000"]
  container_port       = 4000
  cpu                  = var.booking_cpu
  memory               = var.booking_memory
  environment_name     = local.service_common.environment_name
  region               = local.service_common.region
  cluster_arn          = local.service_common.cluster_arn
  cluster_name         = local.service_common.cluster_name
  image                = local.service_common.image
  subnet_ids           = local.service_common.subnet_ids
  security_group_ids   = local.service_common.security_group_ids
  log_retention_days   = local.service_common.log_retention_days
  target_group_arn     = aws_lb_target_group.booking.arn
  min_count            = var.booking_min_count
  max_count            = var.booking_max_count
  requests_per_target  = var.booking_requests_per_target
  alb_resource_label   = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.booking.arn_suffix}"
  environment          = merge(local.app_environment, { WORKERS = tostring(var.booking_workers), PROMETHEUS_MULTIPROC_DIR = "/tmp/seatguard-metrics" })
  secrets              = local.secret_arns
  task_policy_json     = data.aws_iam_policy_document.use_queue.json
  stop_timeout_seconds = 30
}

# The sweeper: one small always-on task (frees expired holds, expires unpaid checkouts).
module "sweeper" {
  source               = "./modules/service"
  name                 = "sweeper"
  command              = ["sweeper"]
  cpu                  = 256
  memory               = 512
  environment_name     = local.service_common.environment_name
  region               = local.service_common.region
  cluster_arn          = local.service_common.cluster_arn
  cluster_name         = local.service_common.cluster_name
  image                = local.service_common.image
  subnet_ids           = local.service_common.subnet_ids
  security_group_ids   = local.service_common.security_group_ids
  log_retention_days   = local.service_common.log_retention_days
  min_count            = 1
  max_count            = 1
  environment          = local.app_environment
  secrets              = local.secret_arns
  task_policy_json     = data.aws_iam_policy_document.use_queue.json
  stop_timeout_seconds = 30
}

# The release step: `seatguard db upgrade` as a one-off task (see the migrate_command output).
module "migrate" {
  source             = "./modules/service"
  name               = "migrate"
  command            = ["db", "upgrade"]
  create_service     = false
  cpu                = 256
  memory             = 512
  environment_name   = local.service_common.environment_name
  region             = local.service_common.region
  cluster_arn        = local.service_common.cluster_arn
  cluster_name       = local.service_common.cluster_name
  image              = local.service_common.image
  subnet_ids         = local.service_common.subnet_ids
  security_group_ids = local.service_common.security_group_ids
  log_retention_days = local.service_common.log_retention_days
  environment        = local.app_environment
  secrets            = local.secret_arns
}

# --- worker -------------------------------------------------------------------------------

module "worker" {
  source              = "./modules/worker_lambda"
  name                = "${local.name}-worker"
  package_path        = var.worker_package_path
  queue_arn           = module.queue.arn
  timeout_seconds     = var.worker_timeout_seconds
  maximum_concurrency = var.worker_max_concurrency
  subnet_ids          = module.network.private_subnet_ids
  security_group_ids  = [module.network.app_security_group_id]
  log_retention_days  = var.log_retention_days
  # Lambda sets AWS_REGION itself and has no Secrets Manager references: the secrets are
  # passed as (KMS-encrypted) environment variables; see docs/deploy.md.
  environment = merge(
    { for key, value in local.app_environment : key => value if key != "AWS_REGION" },
    local.secret_values,
    { DATABASE_URL = local.database_url, DB_POOL_SIZE = "1" },
  )
}
