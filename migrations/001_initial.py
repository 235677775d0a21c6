"""Peewee migrations -- 001_initial.py.

Some examples (model - class or model name)::

    > Model = migrator.orm['table_name']            # Return model in current state by name
    > Model = migrator.ModelClass                   # Return model in current state by name

    > migrator.sql(sql)                             # Run custom SQL
    > migrator.run(func, *args, **kwargs)           # Run python function with the given args
    > migrator.create_model(Model)                  # Create a model (could be used as decorator)
    > migrator.remove_model(model, cascade=True)    # Remove a model
    > migrator.add_fields(model, **fields)          # Add fields (allow_not_null=True skips default)
    > migrator.change_fields(model, **fields)       # Change fields
    > migrator.remove_fields(model, *field_names, cascade=True)
    > migrator.rename_field(model, old_field_name, new_field_name)
    > migrator.rename_table(model, new_table_name)
    > migrator.add_index(model, *col_names, unique=False)
    > migrator.add_not_null(model, *field_names)
    > migrator.add_default(model, field_name, default)
    > migrator.add_constraint(model, name, sql)
    > migrator.drop_index(model, *col_names)
    > migrator.drop_not_null(model, *field_names)
    > migrator.drop_constraints(model, *constraints)

"""

from contextlib import suppress

import peewee as pw
from decimal import ROUND_HALF_EVEN
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""
    
    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        username = pw.CharField(max_length=40, unique=True)
        email = pw.CharField(max_length=200, unique=True)
        phone = pw.CharField(max_length=20, null=True, unique=True)
        full_name = pw.CharField(default='', max_length=80)
        password = pw.CharField(max_length=255)
        active = pw.BooleanField(default=True)
        fs_uniquifier = pw.CharField(max_length=64, unique=True)
        confirmed_at = pw.DateTimeField(null=True)
        last_login_at = pw.DateTimeField(null=True)
        current_login_at = pw.DateTimeField(null=True)
        last_login_ip = pw.CharField(max_length=64, null=True)
        current_login_ip = pw.CharField(max_length=64, null=True)
        login_count = pw.IntegerField(default=0)
        failed_logins = pw.IntegerField(default=0)
        locked_until = pw.DateTimeField(null=True)
        tf_primary_method = pw.CharField(max_length=20, null=True)
        tf_totp_secret = pw.CharField(max_length=255, null=True)

        class Meta:
            table_name = "user"

    @migrator.create_model
    class Industry(pw.Model):
        code = pw.CharField(max_length=4, primary_key=True)
        created_at = pw.DateTimeField()
        name = pw.CharField(max_length=100)
        level = pw.IntegerField()
        parent_code = pw.CharField(index=True, max_length=4, null=True)

        class Meta:
            table_name = "industry"

    @migrator.create_model
    class StoredFile(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        key = pw.CharField(max_length=80, unique=True)
        original_name = pw.CharField(max_length=255)
        size = pw.BigIntegerField()
        content_type = pw.CharField(max_length=100)
        kind = pw.CharField(max_length=10)
        sha256 = pw.CharField(max_length=64)
        owner = pw.ForeignKeyField(column_name='owner_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        public = pw.BooleanField(default=False)

        class Meta:
            table_name = "storedfile"

    @migrator.create_model
    class Unit(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE', unique=True)
        status = pw.CharField(default='draft', index=True, max_length=20)
        unit_type = pw.CharField(default='', max_length=40)
        credit_code = pw.CharField(max_length=18, null=True, unique=True)
        name = pw.CharField(default='', index=True, max_length=200)
        registered_address = pw.CharField(default='', max_length=300)
        office_address = pw.CharField(default='', max_length=300)
        office_same = pw.BooleanField(default=False)
        registered_capital = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        industry = pw.ForeignKeyField(column_name='industry_id', field='code', model=migrator.orm['industry'], null=True, on_delete='SET NULL')
        legal_rep = pw.CharField(default='', max_length=60)
        legal_rep_phone = pw.CharField(default='', max_length=30)
        contact = pw.CharField(default='', max_length=60)
        contact_phone = pw.CharField(default='', max_length=30)
        enterprise_type = pw.CharField(default='', max_length=40)
        enterprise_size = pw.CharField(default='', max_length=20)
        license_file = pw.ForeignKeyField(column_name='license_file_id', field='id', model=migrator.orm['storedfile'], null=True, on_delete='SET NULL')
        commitment_file = pw.ForeignKeyField(column_name='commitment_file_id', field='id', model=migrator.orm['storedfile'], null=True, on_delete='SET NULL')
        region_code = pw.CharField(default='', index=True, max_length=6)
        review_flags = pw.TextField(null=True)
        submitted_at = pw.DateTimeField(null=True)
        approved_at = pw.DateTimeField(null=True)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "unit"

    @migrator.create_model
    class AssetInfo(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='CASCADE')
        fiscal_year = pw.IntegerField()
        total_cost = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        ip_investment = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        net_profit = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        total_sales = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        fixed_assets = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        total_output = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        sales_expense = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        admin_expense = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        finance_expense = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        patent_assets = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        total_assets = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        employees = pw.IntegerField(null=True)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "assetinfo"
            indexes = [(('unit', 'fiscal_year'), True)]

    @migrator.create_model
    class AuditLog(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        actor = pw.ForeignKeyField(column_name='actor_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        actor_name = pw.CharField(default='', max_length=80)
        object_type = pw.CharField(index=True, max_length=30)
        object_id = pw.IntegerField(index=True)
        event = pw.CharField(max_length=40)
        from_status = pw.CharField(default='', max_length=20)
        to_status = pw.CharField(default='', max_length=20)
        reason = pw.TextField(default='')
        ip = pw.CharField(default='', max_length=64)
        data = pw.TextField(null=True)

        class Meta:
            table_name = "auditlog"

    @migrator.create_model
    class CalendarYear(pw.Model):
        year = pw.IntegerField(primary_key=True)
        created_at = pw.DateTimeField()
        source = pw.CharField(default='', max_length=100)

        class Meta:
            table_name = "calendaryear"

    @migrator.create_model
    class Country(pw.Model):
        code = pw.CharField(max_length=2, primary_key=True)
        created_at = pw.DateTimeField()
        name_zh = pw.CharField(max_length=60)
        name_en = pw.CharField(max_length=100)

        class Meta:
            table_name = "country"

    @migrator.create_model
    class Holiday(pw.Model):
        day = pw.DateField(primary_key=True)
        created_at = pw.DateTimeField()
        is_workday = pw.BooleanField()
        name = pw.CharField(default='', max_length=40)

        class Meta:
            table_name = "holiday"

    @migrator.create_model
    class Message(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        title = pw.CharField(max_length=200)
        body = pw.TextField()
        link = pw.CharField(default='', max_length=300)
        read_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "message"

    @migrator.create_model
    class ProductCategory(pw.Model):
        code = pw.CharField(max_length=10, primary_key=True)
        created_at = pw.DateTimeField()
        name = pw.CharField(max_length=200)
        level = pw.IntegerField()
        parent_code = pw.CharField(index=True, max_length=10, null=True)
        initials = pw.CharField(default='', max_length=100)

        class Meta:
            table_name = "productcategory"

    @migrator.create_model
    class Product(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='CASCADE')
        token = pw.CharField(max_length=32, unique=True)
        status = pw.CharField(default='draft', index=True, max_length=20)
        filing_number = pw.CharField(max_length=30, null=True, unique=True)
        gtin = pw.CharField(default='', max_length=13)
        name = pw.CharField(default='', max_length=100)
        model = pw.CharField(default='', max_length=100)
        category = pw.ForeignKeyField(column_name='category_id', field='code', model=migrator.orm['productcategory'], null=True, on_delete='SET NULL')
        industry = pw.ForeignKeyField(column_name='industry_id', field='code', model=migrator.orm['industry'], null=True, on_delete='SET NULL')
        trademark = pw.CharField(default='', max_length=100)
        intro = pw.TextField(default='')
        purpose = pw.CharField(default='', max_length=40)
        purpose_other = pw.CharField(default='', max_length=100)
        export_countries = pw.TextField()
        export_other = pw.CharField(default='', max_length=200)
        first_year = pw.IntegerField(null=True)
        last_year_cost = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        ip_investment = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        last_year_sales = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        last_year_export = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        last_year_net_profit = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        last_year_output = pw.DecimalField(auto_round=True, decimal_places=2, max_digits=14, null=True, rounding=ROUND_HALF_EVEN)
        market_share = pw.DecimalField(auto_round=False, decimal_places=2, max_digits=5, null=True, rounding=ROUND_HALF_EVEN)
        gross_margin = pw.DecimalField(auto_round=False, decimal_places=2, max_digits=6, null=True, rounding=ROUND_HALF_EVEN)
        contribution_index = pw.DecimalField(auto_round=False, decimal_places=2, max_digits=5, null=True, rounding=ROUND_HALF_EVEN)
        contribution_method = pw.CharField(default='', max_length=20)
        method_k = pw.DecimalField(auto_round=False, decimal_places=4, max_digits=10, null=True, rounding=ROUND_HALF_EVEN)
        method_explanation = pw.TextField(default='')
        special_industry = pw.BooleanField(default=False)
        compulsory_cert = pw.BooleanField(default=False)
        revocation_reason = pw.TextField(default='')
        revocation_prompt_at = pw.DateTimeField(null=True)
        submitted_at = pw.DateTimeField(null=True)
        filed_at = pw.DateTimeField(null=True)
        revoked_at = pw.DateTimeField(null=True)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "product"

    @migrator.create_model
    class RecognitionRound(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        year = pw.IntegerField(unique=True)
        name = pw.CharField(max_length=100)
        filing_from = pw.DateField()
        filing_to = pw.DateField()
        criteria = pw.TextField()
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "recognitionround"

    @migrator.create_model
    class Recognition(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        product = pw.ForeignKeyField(column_name='product_id', field='id', model=migrator.orm['product'], on_delete='CASCADE')
        round = pw.ForeignKeyField(column_name='round_id', field='id', model=migrator.orm['recognitionround'], on_delete='CASCADE')
        status = pw.CharField(default='candidate', index=True, max_length=20)
        token = pw.CharField(max_length=32, unique=True)
        notice_start = pw.DateField(null=True)
        notice_end = pw.DateField(null=True)
        recognised_at = pw.DateTimeField(null=True)
        valid_until = pw.DateField(null=True)
        certificate_number = pw.CharField(max_length=40, null=True, unique=True)
        certificate_file = pw.ForeignKeyField(column_name='certificate_file_id', field='id', model=migrator.orm['storedfile'], null=True, on_delete='SET NULL')
        qr_file = pw.ForeignKeyField(column_name='qr_file_id', field='id', model=migrator.orm['storedfile'], null=True, on_delete='SET NULL')
        mark_file = pw.ForeignKeyField(column_name='mark_file_id', field='id', model=migrator.orm['storedfile'], null=True, on_delete='SET NULL')
        revoked_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "recognition"
            indexes = [(('product', 'round'), True)]

    @migrator.create_model
    class Objection(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        tracking_number = pw.CharField(max_length=24, unique=True)
        recognition = pw.ForeignKeyField(column_name='recognition_id', field='id', model=migrator.orm['recognition'], on_delete='CASCADE')
        status = pw.CharField(default='accepted', index=True, max_length=20)
        name = pw.CharField(max_length=60)
        organisation = pw.CharField(default='', max_length=200)
        phone = pw.CharField(max_length=20)
        email = pw.CharField(max_length=200)
        content = pw.TextField()
        outcome = pw.TextField(default='')
        handler = pw.ForeignKeyField(column_name='handler_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        ip = pw.CharField(default='', max_length=64)
        decided_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "objection"

    @migrator.create_model
    class ObjectionFile(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        objection = pw.ForeignKeyField(column_name='objection_id', field='id', model=migrator.orm['objection'], on_delete='CASCADE')
        file = pw.ForeignKeyField(column_name='file_id', field='id', model=migrator.orm['storedfile'], on_delete='CASCADE')

        class Meta:
            table_name = "objectionfile"

    @migrator.create_model
    class Option(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        kind = pw.CharField(max_length=30)
        code = pw.CharField(max_length=40)
        name = pw.CharField(max_length=100)
        sort = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "option"
            indexes = [(('kind', 'code'), True)]

    @migrator.create_model
    class Outbox(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        channel = pw.CharField(index=True, max_length=10)
        recipient = pw.CharField(max_length=200)
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        template = pw.CharField(max_length=60)
        payload = pw.TextField()
        subject = pw.CharField(default='', max_length=200)
        body = pw.TextField(default='')
        status = pw.CharField(default='pending', index=True, max_length=10)
        tries = pw.IntegerField(default=0)
        next_try_at = pw.DateTimeField(index=True)
        last_error = pw.TextField(default='')
        sent_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "outbox"

    @migrator.create_model
    class Page(pw.Model):
        slug = pw.CharField(max_length=40, primary_key=True)
        created_at = pw.DateTimeField()
        title = pw.CharField(max_length=100)
        body = pw.TextField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "page"

    @migrator.create_model
    class Patent(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        number = pw.CharField(max_length=20, unique=True)
        display_number = pw.CharField(max_length=24)
        name = pw.CharField(max_length=300)
        kind = pw.CharField(index=True, max_length=20)
        patentees = pw.TextField()
        application_date = pw.DateField(null=True)
        grant_date = pw.DateField(null=True)
        legal_status = pw.CharField(default='valid', index=True, max_length=20)
        expiry_date = pw.DateField(null=True)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "patent"

    @migrator.create_model
    class PatentHolder(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        patent = pw.ForeignKeyField(column_name='patent_id', field='id', model=migrator.orm['patent'], on_delete='CASCADE')
        name = pw.CharField(index=True, max_length=200)

        class Meta:
            table_name = "patentholder"
            indexes = [(('patent', 'name'), True)]

    @migrator.create_model
    class PatentStatusChange(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        patent = pw.ForeignKeyField(column_name='patent_id', field='id', model=migrator.orm['patent'], on_delete='CASCADE')
        old_status = pw.CharField(max_length=20)
        new_status = pw.CharField(max_length=20)
        seen_by_products = pw.BooleanField(default=False)

        class Meta:
            table_name = "patentstatuschange"

    @migrator.create_model
    class ProductFile(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        product = pw.ForeignKeyField(column_name='product_id', field='id', model=migrator.orm['product'], on_delete='CASCADE')
        file = pw.ForeignKeyField(column_name='file_id', field='id', model=migrator.orm['storedfile'], on_delete='CASCADE')
        kind = pw.CharField(max_length=30)
        sort = pw.IntegerField(default=0)

        class Meta:
            table_name = "productfile"

    @migrator.create_model
    class ProductPatent(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        product = pw.ForeignKeyField(column_name='product_id', field='id', model=migrator.orm['product'], on_delete='CASCADE')
        patent = pw.ForeignKeyField(column_name='patent_id', field='id', model=migrator.orm['patent'], on_delete='CASCADE')
        public = pw.BooleanField(default=False)
        core = pw.BooleanField(default=False)
        litigated = pw.BooleanField(default=False)
        case_number = pw.CharField(default='', max_length=100)

        class Meta:
            table_name = "productpatent"
            indexes = [(('product', 'patent'), True)]

    @migrator.create_model
    class ProductVersion(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        product = pw.ForeignKeyField(column_name='product_id', field='id', model=migrator.orm['product'], on_delete='CASCADE')
        number = pw.IntegerField()
        kind = pw.CharField(max_length=10)
        data = pw.TextField()
        submitted_by = pw.ForeignKeyField(column_name='submitted_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "productversion"
            indexes = [(('product', 'number'), True)]

    @migrator.create_model
    class ReasonTemplate(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        scope = pw.CharField(index=True, max_length=30)
        code = pw.CharField(max_length=60)
        title = pw.CharField(max_length=100)
        text = pw.TextField()
        sort = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "reasontemplate"
            indexes = [(('scope', 'code'), True)]

    @migrator.create_model
    class RegistryEntry(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        credit_code = pw.CharField(max_length=18, unique=True)
        name = pw.CharField(max_length=200)
        registered_address = pw.CharField(default='', max_length=300)
        legal_rep = pw.CharField(default='', max_length=60)
        legal_rep_phone = pw.CharField(default='', max_length=30)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "registryentry"

    @migrator.create_model
    class ReviewClaim(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        object_type = pw.CharField(max_length=30)
        object_id = pw.IntegerField()
        reviewer = pw.ForeignKeyField(column_name='reviewer_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')

        class Meta:
            table_name = "reviewclaim"
            indexes = [(('object_type', 'object_id'), True)]

    @migrator.create_model
    class Role(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        name = pw.CharField(max_length=40, unique=True)
        description = pw.CharField(default='', max_length=255)
        permissions = pw.TextField(null=True)

        class Meta:
            table_name = "role"

    @migrator.create_model
    class Setting(pw.Model):
        key = pw.CharField(max_length=60, primary_key=True)
        created_at = pw.DateTimeField()
        value = pw.TextField()

        class Meta:
            table_name = "setting"

    @migrator.create_model
    class SmsCode(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        phone = pw.CharField(index=True, max_length=20)
        purpose = pw.CharField(max_length=20)
        code_hash = pw.CharField(max_length=128)
        ip = pw.CharField(default='', index=True, max_length=64)
        expires_at = pw.DateTimeField()
        attempts = pw.IntegerField(default=0)
        used_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "smscode"

    @migrator.create_model
    class UnitChangeRequest(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='CASCADE')
        status = pw.CharField(default='pending', index=True, max_length=20)
        old_values = pw.TextField()
        new_values = pw.TextField()
        submitted_at = pw.DateTimeField()
        decided_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "unitchangerequest"

    @migrator.create_model
    class UnitNameHistory(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='CASCADE')
        name = pw.CharField(index=True, max_length=200)
        valid_to = pw.DateTimeField()

        class Meta:
            table_name = "unitnamehistory"

    @migrator.create_model
    class UnitPatent(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='CASCADE')
        patent = pw.ForeignKeyField(column_name='patent_id', field='id', model=migrator.orm['patent'], on_delete='CASCADE')
        source = pw.CharField(max_length=10)
        acquisition = pw.CharField(default='original', max_length=20)
        assignment_kind = pw.CharField(default='', max_length=20)
        licensor = pw.CharField(default='', max_length=200)
        licence_start = pw.DateField(null=True)
        licence_end = pw.DateField(null=True)

        class Meta:
            table_name = "unitpatent"
            indexes = [(('unit', 'patent'), True)]

    @migrator.create_model
    class UpdateWindow(pw.Model):
        year = pw.IntegerField(primary_key=True)
        created_at = pw.DateTimeField()
        opens_on = pw.DateField()
        closes_on = pw.DateField()

        class Meta:
            table_name = "updatewindow"

    @migrator.create_model
    class UserRoles(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        role = pw.ForeignKeyField(column_name='role_id', field='id', model=migrator.orm['role'], on_delete='CASCADE')

        class Meta:
            table_name = "userroles"
            indexes = [(('user', 'role'), True)]

    @migrator.create_model
    class YearlyUpdate(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        product = pw.ForeignKeyField(column_name='product_id', field='id', model=migrator.orm['product'], on_delete='CASCADE')
        year = pw.IntegerField()
        status = pw.CharField(default='draft', index=True, max_length=20)
        data = pw.TextField()
        base_version = pw.ForeignKeyField(column_name='base_version_id', field='id', model=migrator.orm['productversion'], null=True, on_delete='SET NULL')
        submitted_at = pw.DateTimeField(null=True)
        decided_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "yearlyupdate"
            indexes = [(('product', 'year'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    
    migrator.remove_model('yearlyupdate')

    migrator.remove_model('userroles')

    migrator.remove_model('updatewindow')

    migrator.remove_model('unitpatent')

    migrator.remove_model('unitnamehistory')

    migrator.remove_model('unitchangerequest')

    migrator.remove_model('smscode')

    migrator.remove_model('setting')

    migrator.remove_model('role')

    migrator.remove_model('reviewclaim')

    migrator.remove_model('registryentry')

    migrator.remove_model('reasontemplate')

    migrator.remove_model('productversion')

    migrator.remove_model('productpatent')

    migrator.remove_model('productfile')

    migrator.remove_model('patentstatuschange')

    migrator.remove_model('patentholder')

    migrator.remove_model('patent')

    migrator.remove_model('page')

    migrator.remove_model('outbox')

    migrator.remove_model('option')

    migrator.remove_model('objectionfile')

    migrator.remove_model('objection')

    migrator.remove_model('recognition')

    migrator.remove_model('recognitionround')

    migrator.remove_model('product')

    migrator.remove_model('productcategory')

    migrator.remove_model('message')

    migrator.remove_model('holiday')

    migrator.remove_model('country')

    migrator.remove_model('calendaryear')

    migrator.remove_model('auditlog')

    migrator.remove_model('assetinfo')

    migrator.remove_model('unit')

    migrator.remove_model('storedfile')

    migrator.remove_model('industry')

    migrator.remove_model('user')
